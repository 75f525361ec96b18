package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * query_timeout: a query running longer is cancelled on the server and its client gets
 * 57014; PostgreSQL really stops it (it does not sleep on with nobody listening).
 */
class QueryTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("querytimeout", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.queryTimeout = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aLongQueryIsCancelledAndTheClientGets57014() throws Exception {
        try (Connection client = node.connect()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.createStatement().execute("SELECT pg_sleep(10)"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("57014");
                        assertThat(e.getMessage()).contains("query_timeout");
                    });
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(8_000);
        }
        Eventually.await(Duration.ofSeconds(5), "pg_sleep no longer runs on the server", () -> sleepingQueries() == 0);
        try (Connection again = node.connect()) {
            assertThat(again.createStatement().executeQuery("SELECT 1").next()).isTrue();
        }
    }

    private static int sleepingQueries() {
        try (Connection c = node.postgres().connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
                     + node.database() + "' AND state = 'active' AND query LIKE 'SELECT pg_sleep%'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
