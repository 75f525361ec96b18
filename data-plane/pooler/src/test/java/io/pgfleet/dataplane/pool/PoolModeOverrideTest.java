package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.List;
import java.util.Properties;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.pid;
import static org.assertj.core.api.Assertions.assertThat;

/** pool_mode set per user ([users]) wins over the global one: one node, two users, two modes. */
class PoolModeOverrideTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Postgres.shared(), "modeover", List.of("sess", "tx"), s -> {
            s.poolMode = PoolMode.SESSION;
            s.defaultPoolSize = 1;
        }, p -> p);
        var current = node.config().current();
        var users = new java.util.LinkedHashMap<>(current.users());
        UserEntry tx = users.get(node.user(1));
        users.put(tx.name(), tx.withPool(new io.pgfleet.dataplane.config.PoolOverrides(PoolMode.TRANSACTION,
                null, null, null, null, null, null, null, null, null, null, null)));
        node.config().replace(new io.pgfleet.dataplane.config.NodeConfig(current.authType(), current.databases(), users,
                current.pooler(), current.hba()));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void theTransactionUserSharesItsServerTheSessionUserKeepsIt() throws Exception {
        try (Connection tx1 = node.connect(node.user(1), new Properties());
             Connection tx2 = node.connect(node.user(1), new Properties())) {
            // pool_size 1 in transaction mode: both clients run on the one server, in turn.
            assertThat(pid(tx1)).isEqualTo(pid(tx2));
        }
        try (Connection s1 = node.connect(node.user(0), new Properties())) {
            int first = pid(s1);
            assertThat(pid(s1)).isEqualTo(first);
            // In session mode the second client of a pool_size 1 pool would wait for s1 to leave;
            // the pool is busy while s1 is merely idle.
            assertThat(node.pooler().pools().snapshot(new PoolKey(node.database(), node.user(0))).active()).isEqualTo(1);
        }
    }
}
