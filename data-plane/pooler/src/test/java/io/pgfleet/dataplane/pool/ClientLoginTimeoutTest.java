package io.pgfleet.dataplane.pool;

import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** client_login_timeout: a connection that has not logged in within it is closed. */
class ClientLoginTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("clientlogin", s -> s.clientLoginTimeout = Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterClientLoginTimeout() throws Exception {
        try (RawClient client = RawClient.open(node.port())) {
            long started = System.nanoTime();
            assertClosedWithLoginTimeout(client);
            assertThat((System.nanoTime() - started) / 1_000_000).isBetween(900L, 10_000L);
        }
    }

    @Test
    void aClientStuckInTheMiddleOfAuthenticationIsClosedToo() throws Exception {
        try (RawClient client = RawClient.open(node.port())) {
            client.sendStartup(196608, Map.of("user", node.user(), "database", node.database()));
            RawClient.Message sasl = client.read();
            assertThat(sasl.type()).isEqualTo('R'); // AuthenticationSASL; the client never answers
            assertClosedWithLoginTimeout(client);
        }
    }

    @Test
    void aClientThatLogsInInTimeStays() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            Thread.sleep(1500);
            client.sendQuery("SELECT 1");
            assertThat(client.readRowsUntilReadyForQuery(1)).isEqualTo(List.of("1"));
        }
    }

    private static void assertClosedWithLoginTimeout(RawClient client) throws IOException {
        RawClient.Message error = client.read();
        assertThat(error.type()).isEqualTo('E');
        assertThat(error.errorField('M')).contains("client_login_timeout");
        assertThatThrownBy(client::read).isInstanceOf(EOFException.class);
    }
}
