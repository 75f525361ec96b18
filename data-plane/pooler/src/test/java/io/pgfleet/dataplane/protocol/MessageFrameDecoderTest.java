package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageFrameDecoderTest {
    /** Query "SELECT 1" followed by Sync, as one buffer. */
    private static final byte[] QUERY_THEN_SYNC = {
            'Q', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0,
            'S', 0, 0, 0, 4};

    @Test
    void framesSurviveArbitraryFragmentation() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder(1024));
        for (byte b : QUERY_THEN_SYNC) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[]{b}));
        }
        ByteBuf query = channel.readInbound();
        ByteBuf sync = channel.readInbound();
        assertThat(query.readableBytes()).isEqualTo(14);
        assertThat(query.getByte(0)).isEqualTo((byte) 'Q');
        assertThat(sync.readableBytes()).isEqualTo(5);
        assertThat(sync.getByte(0)).isEqualTo((byte) 'S');
        assertThat((Object) channel.readInbound()).isNull();
        query.release();
        sync.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void anOversizedMessageIsRefusedBeforeItIsBuffered() {
        EmbeddedChannel channel = new EmbeddedChannel(new MessageFrameDecoder(1024));
        ByteBuf header = Unpooled.buffer().writeByte('Q').writeInt(1_000_000);
        assertThatThrownBy(() -> channel.writeInbound(header))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOfSatisfying(PgProtocolException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo(SqlState.PROTOCOL_VIOLATION);
                    assertThat(e.getMessage()).contains("exceeds the limit of 1024 bytes");
                });
        channel.finishAndReleaseAll();
    }
}
