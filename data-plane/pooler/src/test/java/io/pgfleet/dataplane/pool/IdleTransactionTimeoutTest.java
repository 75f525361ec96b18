package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * idle_transaction_timeout: a client idle inside a transaction that long gets 25P03 and is
 * closed, and its transaction is rolled back on the server.
 */
class IdleTransactionTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start("idletx", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.idleTransactionTimeout = Duration.ofSeconds(1);
        });
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE TABLE marks (note text)");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aClientIdleInATransactionGets25P03AndTheTransactionIsRolledBack() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            client.sendQuery("BEGIN; INSERT INTO marks VALUES ('idle')");
            client.readRowsUntilReadyForQuery(1);
            long started = System.nanoTime();
            RawClient.Message error = client.read();
            assertThat(error.type()).isEqualTo('E');
            assertThat(error.errorField('C')).isEqualTo("25P03");
            assertThat(error.errorField('M')).contains("idle_transaction_timeout");
            assertThat((System.nanoTime() - started) / 1_000_000).isBetween(500L, 10_000L);
            assertThatThrownBy(client::read).isInstanceOf(EOFException.class);
        }
        try (Connection c = node.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM marks")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void aTransactionThatKeepsWorkingIsNotIdle() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            client.sendQuery("BEGIN");
            client.readRowsUntilReadyForQuery(1);
            for (int i = 0; i < 6; i++) {
                Thread.sleep(400);
                client.sendQuery("SELECT 1");
                assertThat(client.readRowsUntilReadyForQuery(1)).containsExactly("1");
            }
            client.sendQuery("COMMIT");
            client.readRowsUntilReadyForQuery(1);
        }
    }
}
