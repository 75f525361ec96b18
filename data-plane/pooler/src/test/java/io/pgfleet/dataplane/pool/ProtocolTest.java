package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Protocol v3 edges: version negotiation, the message size limit. */
class ProtocolTest {

    @Test
    void aNewerMinorVersionIsNegotiatedDownTo30() throws Exception {
        try (TestNode node = TestNode.start("protonego", s -> {
        }); RawClient client = RawClient.open(node.port())) {
            client.sendStartup((3 << 16) | 2, Map.of("user", node.user(), "database", node.database(), "_pq_.future_option", "on"));
            RawClient.Message first = client.read();
            assertThat(first.type()).isEqualTo('v');
            ByteBuffer body = ByteBuffer.wrap(first.body());
            assertThat(body.getInt()).isEqualTo(3 << 16);
            assertThat(body.getInt()).isEqualTo(1);
            assertThat(first.text()).contains("_pq_.future_option");
            assertThat(client.read().type()).as("then authentication goes on").isEqualTo('R');
        }
    }

    @Test
    void aMessageOverTheLimitGets08P01AndNothingIsBuffered() throws Exception {
        try (TestNode node = TestNode.start(Postgres.shared(), "protosize", List.of("user"), s -> {
        }, p -> p.withMaxMessageSize(1024 * 1024)); RawClient client = RawClient.connect(node)) {
            // Announce a 100 MB query; send only the header.
            client.rawOutput().write(new byte[]{'Q', 0x06, 0x00, 0x00, 0x00});
            client.rawOutput().flush();
            RawClient.Message error = client.readUntil('E');
            assertThat(error.errorField('C')).isEqualTo("08P01");
            assertThat(error.errorField('M')).contains("exceeds the limit");
        }
    }
}
