package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

/**
 * max_user_connections: one user's pools on two databases share its limit; a pool waiting
 * at the limit gets the slot of the other pool's idle server, and a busy pool cannot starve it.
 */
class MaxUserConnectionsTest {
    private static final int LIMIT = 2;
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("maxuserconn", List.of("user"), List.of("other"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = LIMIT;
            s.maxUserConnections = LIMIT;
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
                () -> node.connect(node.user(), node.database(0)), () -> node.connect(node.user(), node.database(1)),
                new PoolKey(node.database(0), node.user()), new PoolKey(node.database(1), node.user()),
                () -> node.pooler().pools().serversOfUser(node.user()));
    }

    @Test
    void aBusyPoolDoesNotStarveThePoolOfTheSameUserOnAnotherDatabase() throws Exception {
        SharedLimitScenarios.aBusyPoolDoesNotStarveAnother(node, LIMIT,
                () -> node.connect(node.user(), node.database(0)), () -> node.connect(node.user(), node.database(1)),
                () -> node.pooler().pools().serversOfUser(node.user()));
    }
}
