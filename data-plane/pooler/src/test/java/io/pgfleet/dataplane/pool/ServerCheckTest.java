package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;

import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * server_check_query with server_check_delay = 0: a server PostgreSQL ended while it was
 * idle in the pool is not handed to a client; the client's query runs on a fresh server
 * without an error, even right after the termination.
 */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class ServerCheckTest {
    private static TestNode node;

    @BeforeAll
    static void start() throws java.sql.SQLException {
        node = TestNode.start("srvcheck", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.queryWaitTimeout = Duration.ofSeconds(10);
            s.serverCheckDelay = Duration.ZERO;
            // Fails on a server whose pid is listed in check_fails, passes elsewhere.
            s.serverCheckQuery = "DO $$BEGIN IF EXISTS (SELECT 1 FROM check_fails WHERE pid = pg_backend_pid())"
                    + " THEN RAISE EXCEPTION 'server marked bad'; END IF; END$$";
        });
        try (Connection c = node.postgres().connectAsSuperuser(node.database())) {
            c.createStatement().execute("CREATE TABLE check_fails (pid int)");
            c.createStatement().execute("GRANT SELECT ON check_fails TO PUBLIC");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aServerPassingTheCheckIsAlignedToTheNextClientsParameters() throws Exception {
        // The check runs, then SETs for a client whose parameters differ from the server's:
        // two node queries in a row on one server.
        java.util.Properties other = new java.util.Properties();
        other.setProperty("ApplicationName", "server-check-test");
        try (Connection first = node.connect()) {
            backendPid(first);
        }
        try (Connection second = node.connect(node.user(), other);
             var rs = second.createStatement().executeQuery("SELECT current_setting('application_name')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("server-check-test");
        }
    }

    @Test
    void aServerFailingTheCheckIsClosedAndTheClientGetsAnotherWithoutAnError() throws Exception {
        try (Connection client = node.connect()) {
            int pid = backendPid(client);
            try (Connection admin = node.postgres().connectAsSuperuser(node.database())) {
                admin.createStatement().execute("INSERT INTO check_fails VALUES (" + pid + ")");
            }
            int next = backendPid(client);
            assertThat(next).isNotEqualTo(pid);
            Eventually.await(Duration.ofSeconds(5), "the failed server is closed", () -> !node.serverPids().contains(pid));
        }
    }

    @Test
    void aServerTerminatedWhileIdleIsReplacedWithoutAnErrorForTheClient() throws Exception {
        try (Connection client = node.connect()) {
            int pid = backendPid(client);
            for (int round = 0; round < 5; round++) {
                node.terminateBackend(pid);
                // At once, before the node may have seen the connection end.
                int next = backendPid(client);
                assertThat(next).as("round %d", round).isNotEqualTo(pid);
                pid = next;
            }
            final int last = pid;
            Eventually.await(Duration.ofSeconds(5), "only the last server is left", () -> node.serverPids().equals(java.util.List.of(last)));
        }
    }
}
