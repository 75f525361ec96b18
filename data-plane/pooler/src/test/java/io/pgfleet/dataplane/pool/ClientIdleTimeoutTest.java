package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** client_idle_timeout: a client that sends nothing for that long gets 57P05 and is closed; a busy one is not. */
class ClientIdleTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("clientidle", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.clientIdleTimeout = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void anIdleClientGets57P05AndIsClosed() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            long started = System.nanoTime();
            RawClient.Message error = client.read();
            assertThat(error.type()).isEqualTo('E');
            assertThat(error.errorField('C')).isEqualTo("57P05");
            assertThat(error.errorField('M')).contains("client_idle_timeout");
            assertThat((System.nanoTime() - started) / 1_000_000).isBetween(500L, 10_000L);
            assertThatThrownBy(client::read).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void aClientThatKeepsSendingIsNotClosed() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            long end = System.nanoTime() + Duration.ofMillis(3000).toNanos();
            while (System.nanoTime() < end) {
                client.sendQuery("SELECT 1");
                assertThat(client.readRowsUntilReadyForQuery(1)).containsExactly("1");
                Thread.sleep(300);
            }
        }
    }
}
