package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;

import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * min_pool_size: while a pool has a client, the node keeps that many servers open even
 * when nobody uses them, and opens new ones when PostgreSQL ends them.
 */
class MinPoolSizeTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("minpool", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 5;
            s.minPoolSize = 3;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void minPoolSizeServersOpenAndComeBackAfterTermination() throws Exception {
        try (Connection client = node.connect()) {
            // One transaction needs one server; the sweep opens the other two.
            assertThat(backendPid(client)).isPositive();
            Eventually.await(Duration.ofSeconds(5), "min_pool_size servers open",
                    () -> node.serverConnectionsSeenByPostgres() == 3);
            // They stay: nothing closes servers below min_pool_size.
            List<Integer> warm = node.serverPids();
            assertThat(warm).hasSize(3);

            warm.forEach(node::terminateBackend);
            Eventually.await(Duration.ofSeconds(5), "the terminated servers are gone",
                    () -> node.serverPids().stream().noneMatch(warm::contains));
            Eventually.await(Duration.ofSeconds(5), "min_pool_size servers re-opened",
                    () -> node.serverConnectionsSeenByPostgres() == 3);
            assertThat(node.serverPids()).doesNotContainAnyElementsOf(warm);
            // And the client still works on one of them.
            assertThat(node.serverPids()).contains(backendPid(client));
        }
    }
}
