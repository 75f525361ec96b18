package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.SQLException;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pool_mode = statement: a server per statement; transactions are refused with a clear error. */
class StatementPoolingTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("stmtpool", s -> {
            s.poolMode = PoolMode.STATEMENT;
            s.defaultPoolSize = 1;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void autocommitStatementsFromManyClientsShareOneServer() throws SQLException {
        try (Connection a = node.connect(); Connection b = node.connect()) {
            assertThat(scalar(a, "SELECT 40 + 2")).isEqualTo("42");
            assertThat(scalar(b, "SELECT pg_backend_pid()")).isEqualTo(scalar(a, "SELECT pg_backend_pid()"));
        }
    }

    @Test
    void aTransactionBlockIsRefusedNamingTheSetting() throws SQLException {
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> c.createStatement().execute("SELECT 1"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("25001");
                        assertThat(e.getMessage()).contains("pool_mode=statement");
                    });
        }
        // The server was not left inside that transaction for the next client.
        try (Connection c = node.connect()) {
            assertThat(scalar(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND state LIKE 'idle in transaction%'")).isEqualTo("0");
        }
    }
}
