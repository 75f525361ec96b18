package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

/**
 * max_db_connections: two users' pools on one database share its limit; a pool waiting at
 * the limit gets the slot of the other pool's idle server, and a busy pool cannot starve it.
 */
class MaxDbConnectionsTest {
    private static final int LIMIT = 2;
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("maxdbconn", List.of("alice", "bob"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = LIMIT;
            s.maxDbConnections = LIMIT;
            s.queryWaitTimeout = Duration.ofSeconds(60);
        }, c -> c);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aWaitingPoolGetsTheSlotWhenTheOtherPoolsServerGoesIdle() throws Exception {
        SharedLimitScenarios.aWaitingPoolGetsTheSlotOfAnIdleServer(node, LIMIT,
                () -> node.connect(node.user(0), node.database()), () -> node.connect(node.user(1), node.database()),
                new PoolKey(node.database(), node.user(0)), new PoolKey(node.database(), node.user(1)),
                () -> node.pooler().pools().serversOfDatabase(node.database()));
    }

    @Test
    void aBusyPoolDoesNotStarveAnotherPoolOfTheSameDatabase() throws Exception {
        SharedLimitScenarios.aBusyPoolDoesNotStarveAnother(node, LIMIT,
                () -> node.connect(node.user(0), node.database()), () -> node.connect(node.user(1), node.database()),
                () -> node.pooler().pools().serversOfDatabase(node.database()));
    }
}
