package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cancel requests: each client has its own key; a cancel reaches the server running that
 * client's query, never a server that has moved on to another client; a key issued by
 * another node of the fleet is forwarded to it.
 */
class CancelRequestTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Postgres.shared(), "cancel", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
        }, p -> p.withNodeSlot(1));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void pgjdbcCancelStopsTheRunningQuery() throws Exception {
        try (Connection c = node.connect(); Statement s = c.createStatement()) {
            CompletableFuture<Void> canceller = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(500);
                    s.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            assertThatThrownBy(() -> s.execute("SELECT pg_sleep(30)"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
            canceller.get();
            // The server went back to the pool in a usable state.
            assertThat(SessionPoolingTest.scalar(c, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void everyClientGetsItsOwnKeyCarryingTheNodeSlot() throws Exception {
        try (RawClient a = RawClient.connect(node); RawClient b = RawClient.connect(node)) {
            assertThat(a.processId()).isNotEqualTo(b.processId());
            assertThat(a.processId() >>> 19).isEqualTo(1);
            assertThat(b.processId() >>> 19).isEqualTo(1);
        }
    }

    @Test
    void aStaleCancelNeverHitsTheNextClientOfTheServer() throws Exception {
        try (RawClient a = RawClient.connect(node); RawClient b = RawClient.connect(node)) {
            a.sendQuery("SELECT pg_backend_pid()");
            String pidOfA = a.readRowsUntilReadyForQuery(1).get(0);
            // a is idle now; pool_size 1 means b gets the very server a used.
            b.sendQuery("SELECT pg_backend_pid(), pg_sleep(2)");
            Thread.sleep(300);
            RawClient.cancel(node.port(), a.processId(), a.secretKey());
            List<String> rows = b.readRowsUntilReadyForQuery(1);
            assertThat(rows).as("b's query was not cancelled by a's key").containsExactly(pidOfA);
        }
    }

    @Test
    void aWrongSecretCancelsNothing() throws Exception {
        try (RawClient a = RawClient.connect(node)) {
            a.sendQuery("SELECT 'done' FROM pg_sleep(1)");
            Thread.sleep(200);
            RawClient.cancel(node.port(), a.processId(), a.secretKey() + 1);
            assertThat(a.readRowsUntilReadyForQuery(1)).containsExactly("done");
        }
    }

    @Test
    void aCancelArrivingAtAnotherNodeIsForwardedToTheNodeThatIssuedTheKey() throws Exception {
        try (TestNode other = TestNode.start(Postgres.shared(), "cancelpeer", List.of("user"), s -> s.poolMode = PoolMode.TRANSACTION,
                p -> p.withNodeSlot(2))) {
            other.pooler().peers(Map.of(1, new InetSocketAddress("127.0.0.1", node.port())));
            try (RawClient a = RawClient.connect(node)) {
                a.sendQuery("SELECT pg_sleep(30)");
                Thread.sleep(300);
                RawClient.cancel(other.port(), a.processId(), a.secretKey()); // to the wrong node
                RawClient.Message error = a.readUntil('E');
                assertThat(error.errorField('C')).isEqualTo("57014");
            }
        }
    }
}
