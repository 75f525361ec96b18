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
 * transaction_timeout: a transaction open longer than that, busy or not, ends with 25P04
 * for its client, and is rolled back on the server.
 */
class TransactionTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start("txtimeout", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.transactionTimeout = Duration.ofSeconds(1);
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
    void aBusyTransactionLongerThanTransactionTimeoutGets25P04AndIsRolledBack() throws Exception {
        try (RawClient client = RawClient.connect(node)) {
            client.sendQuery("BEGIN; INSERT INTO marks VALUES ('long')");
            client.readRowsUntilReadyForQuery(1);
            long started = System.nanoTime();
            RawClient.Message error = null;
            // Short statements, one after the other: never idle, but one long transaction.
            while (error == null && System.nanoTime() - started < Duration.ofSeconds(10).toNanos()) {
                try {
                    client.sendQuery("SELECT pg_sleep(0.2)");
                } catch (java.net.SocketException closedMeanwhile) {
                    // The timeout fired between our last answer and this query: the error is already waiting.
                }
                RawClient.Message m;
                do {
                    m = client.read();
                } while (m.type() != 'Z' && m.type() != 'E');
                if (m.type() == 'E') {
                    error = m;
                }
            }
            assertThat(error).isNotNull();
            assertThat(error.errorField('C')).isEqualTo("25P04");
            assertThat(error.errorField('M')).contains("transaction_timeout");
            assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(500L);
            // Then the node closes the connection: EOF, or a reset when a query we sent crossed the close.
            assertThatThrownBy(() -> {
                while (true) {
                    client.read();
                }
            }).isInstanceOfAny(EOFException.class, java.net.SocketException.class);
        }
        try (Connection c = node.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM marks")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void shortTransactionsAreNotAffected() throws Exception {
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
            while (System.nanoTime() < end) {
                c.createStatement().execute("SELECT pg_sleep(0.1)");
                c.commit();
            }
        }
    }
}
