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
import java.util.List;

import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * max_client_conn, max_db_client_connections and max_user_client_connections refuse the
 * client one too many with 53300 and the limit's name, and take clients again when one leaves.
 */
class ClientLimitsTest {
    private static TestNode nodeLimit;
    private static TestNode dbLimit;
    private static TestNode userLimit;

    @BeforeAll
    static void start() {
        nodeLimit = TestNode.start("climnode", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.maxClientConn = 2;
        });
        dbLimit = TestNode.start("climdb", List.of("user", "other"), List.of("second"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.maxDbClientConnections = 2;
        }, c -> c);
        userLimit = TestNode.start("climuser", List.of("user", "other"), List.of("second"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.maxUserClientConnections = 2;
        }, c -> c);
    }

    @AfterAll
    static void stop() {
        nodeLimit.close();
        dbLimit.close();
        userLimit.close();
    }

    @Test
    void maxClientConnRefusesTheClientOneTooMany() throws Exception {
        try (Connection a = nodeLimit.connect(); Connection b = nodeLimit.connect()) {
            assertRefused(nodeLimit::connect, "max_client_conn=2");
            assertThat(backendPid(a)).isPositive();
            b.close();
            Eventually.await(Duration.ofSeconds(5), "a slot is free again", () -> {
                try (Connection c = nodeLimit.connect()) {
                    return backendPid(c) > 0;
                } catch (SQLException e) {
                    return false;
                }
            });
        }
    }

    @Test
    void maxDbClientConnectionsCountsClientsOfOneDatabaseWhateverTheirUser() throws Exception {
        try (Connection a = dbLimit.connect(dbLimit.user(0), dbLimit.database(0));
             Connection b = dbLimit.connect(dbLimit.user(1), dbLimit.database(0))) {
            assertRefused(() -> dbLimit.connect(dbLimit.user(0), dbLimit.database(0)), "max_db_client_connections=2");
            assertRefused(() -> dbLimit.connect(dbLimit.user(1), dbLimit.database(0)), "max_db_client_connections=2");
            // Another database has its own count.
            try (Connection other = dbLimit.connect(dbLimit.user(0), dbLimit.database(1))) {
                assertThat(backendPid(other)).isPositive();
            }
            b.close();
            try (Connection c = dbLimit.connect(dbLimit.user(0), dbLimit.database(0))) {
                assertThat(backendPid(c)).isPositive();
            }
        }
    }

    @Test
    void maxUserClientConnectionsCountsClientsOfOneUserWhateverTheirDatabase() throws Exception {
        try (Connection a = userLimit.connect(userLimit.user(0), userLimit.database(0));
             Connection b = userLimit.connect(userLimit.user(0), userLimit.database(1))) {
            assertRefused(() -> userLimit.connect(userLimit.user(0), userLimit.database(0)), "max_user_client_connections=2");
            assertRefused(() -> userLimit.connect(userLimit.user(0), userLimit.database(1)), "max_user_client_connections=2");
            // Another user has its own count.
            try (Connection other = userLimit.connect(userLimit.user(1), userLimit.database(0))) {
                assertThat(backendPid(other)).isPositive();
            }
            b.close();
            try (Connection c = userLimit.connect(userLimit.user(0), userLimit.database(0))) {
                assertThat(backendPid(c)).isPositive();
            }
        }
    }

    private interface Login {
        Connection open() throws SQLException;
    }

    private static void assertRefused(Login login, String limit) {
        assertThatThrownBy(() -> login.open().close())
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("53300");
                    assertThat(e.getMessage()).contains(limit);
                });
    }
}
