package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.time.Duration;

import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static io.pgfleet.dataplane.pool.Clients.holdTransaction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** query_wait_timeout: a client that waits that long for a server is told so with 53300 and closed. */
class QueryWaitTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("querywait", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.queryWaitTimeout = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aClientWaitingLongerThanQueryWaitTimeoutGets53300() throws Exception {
        try (Connection holder = node.connect(); Connection waiter = node.connect()) {
            int held = holdTransaction(holder);
            long started = System.nanoTime();
            assertThatThrownBy(() -> backendPid(waiter))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("53300");
                        assertThat(e.getMessage()).contains("query_wait_timeout");
                    });
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(waitedMillis).isBetween(900L, 10_000L);
            // The transaction that held the server is untouched.
            assertThat(backendPid(holder)).isEqualTo(held);
            holder.commit();
        }
    }
}
