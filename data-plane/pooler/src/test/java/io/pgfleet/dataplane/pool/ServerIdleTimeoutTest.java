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

/** server_idle_timeout: a server nobody used for that long is closed; the next transaction gets a new one. */
class ServerIdleTimeoutTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("srvidle", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.serverIdleTimeout = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void anIdleServerIsClosedAfterServerIdleTimeout() throws Exception {
        try (Connection client = node.connect()) {
            int first = backendPid(client);
            assertThat(node.serverPids()).containsExactly(first);
            Eventually.await(Duration.ofSeconds(5), "the idle server is closed", () -> node.serverPids().isEmpty());
            int second = backendPid(client);
            assertThat(second).isNotEqualTo(first);
        }
    }

    @Test
    void aServerInUseIsNotClosedForIdleness() throws Exception {
        try (Connection client = node.connect()) {
            client.setAutoCommit(false);
            int pid = backendPid(client);
            client.createStatement().execute("SELECT pg_sleep(2.5)");
            assertThat(backendPid(client)).isEqualTo(pid);
            client.commit();
        }
    }
}
