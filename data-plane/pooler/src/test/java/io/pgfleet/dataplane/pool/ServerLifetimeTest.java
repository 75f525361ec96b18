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
 * server_lifetime: a server older than that is closed when idle, and when given back if it
 * was in use, never in the middle of a transaction.
 */
class ServerLifetimeTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("srvlife", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.serverLifetime = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void anOldIdleServerIsReplaced() throws Exception {
        try (Connection client = node.connect()) {
            int first = backendPid(client);
            Eventually.await(Duration.ofSeconds(5), "the old server is closed", () -> !node.serverPids().contains(first));
            assertThat(backendPid(client)).isNotEqualTo(first);
        }
    }

    @Test
    void aServerOutlivingItsLifetimeInATransactionKeepsItUntilTheEndAndThenCloses() throws Exception {
        try (Connection client = node.connect()) {
            client.setAutoCommit(false);
            int pid = backendPid(client);
            client.createStatement().execute("SELECT pg_sleep(2.5)");
            assertThat(backendPid(client)).isEqualTo(pid);
            client.commit();
            Eventually.await(Duration.ofSeconds(5), "the server is closed once given back", () -> !node.serverPids().contains(pid));
        }
    }
}
