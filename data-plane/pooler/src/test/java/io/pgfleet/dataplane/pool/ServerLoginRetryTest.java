package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * server_login_retry: after the server refused the node's login, clients of that pool are
 * turned away at once with the reason, without another login attempt, until the retry
 * interval has passed; then the node tries again.
 */
class ServerLoginRetryTest {
    private static final String USER = "loginretry_user";
    private static TestNode node;

    @BeforeAll
    static void start() {
        // Clients prove TestNode.PASSWORD to the node; the node logs in to PostgreSQL with a wrong one.
        node = TestNode.start("loginretry", List.of("user"), List.of(), s -> s.serverLoginRetry = Duration.ofSeconds(3),
                serverPassword("not-the-password"));
    }

    private static UnaryOperator<NodeConfig> serverPassword(String password) {
        return c -> {
            Map<String, UserEntry> users = new LinkedHashMap<>(c.users());
            users.put(USER, new UserEntry(USER, ScramVerifier.fromPassword(TestNode.PASSWORD, 4096), null, password));
            return new NodeConfig(c.authType(), c.databases(), users, c.pooler(), c.hba());
        };
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aFailedServerLoginIsReportedThenRepeatedWithoutRetryingUntilServerLoginRetry() throws Exception {
        assertThatThrownBy(() -> node.connect().close())
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed").doesNotContain("server_login_retry");
                });
        // At once again: the node answers from what it remembers, naming server_login_retry.
        assertThatThrownBy(() -> node.connect().close())
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("server_login_retry").contains("password authentication failed");
                });

        // The password is fixed; once server_login_retry has passed, the node logs in again.
        node.reconfigureNode(serverPassword(TestNode.PASSWORD));
        Eventually.await(Duration.ofSeconds(10), "the node logs in after server_login_retry", () -> {
            try (Connection c = node.connect()) {
                return c.createStatement().executeQuery("SELECT 1").next();
            } catch (SQLException e) {
                return false;
            }
        });
    }
}
