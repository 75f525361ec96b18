package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
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
class ServerCheckTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("srvcheck", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.serverCheckDelay = Duration.ZERO;
            s.serverCheckQuery = "select 1";
        });
    }

    @AfterAll
    static void stop() {
        node.close();
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
            assertThat(node.serverPids()).containsExactly(pid);
        }
    }
}
