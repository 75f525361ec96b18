package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StartupPacketDecoderTest {
    @Test
    void decodesSslRequestThenAFragmentedStartupMessage() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        channel.writeInbound(Unpooled.buffer().writeInt(8).writeInt(StartupPacket.SSL_REQUEST_CODE));
        assertThat((Object) channel.readInbound()).isInstanceOf(StartupPacket.SslRequest.class);

        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "app");
        parameters.put("application_name", "billing");
        ByteBuf startup = FrontendMessages.startupMessage(ByteBufAllocator.DEFAULT, parameters);
        while (startup.isReadable()) {
            channel.writeInbound(startup.readRetainedSlice(Math.min(3, startup.readableBytes())));
        }
        startup.release();
        StartupPacket.Startup decoded = channel.readInbound();
        assertThat(decoded.parameters()).containsExactly(Map.entry("user", "app"), Map.entry("application_name", "billing"));
        assertThat(decoded.database()).isEqualTo("app"); // PostgreSQL's default: the user name
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void decodesACancelRequest() {
        EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
        channel.writeInbound(FrontendMessages.cancelRequest(ByteBufAllocator.DEFAULT, 1234, -99));
        assertThat((Object) channel.readInbound()).isEqualTo(new StartupPacket.CancelRequest(1234, -99));
        assertThat(channel.finish()).isFalse();
    }
}
