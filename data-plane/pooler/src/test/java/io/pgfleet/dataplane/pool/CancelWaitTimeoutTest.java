package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.CancelSwallowingProxy;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * cancel_wait_timeout: a server whose cancel is still on its way is given to nobody else,
 * but only until cancel_wait_timeout; then it goes back to the pool. The server here sits
 * behind a proxy that swallows cancel requests (accepts, never answers).
 */
class CancelWaitTimeoutTest {

    @Test
    void theServerIsHeldWhileTheCancelIsPendingAndReleasedAtTheTimeout() throws Exception {
        try (TestNode node = TestNode.start("cancelwait", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.cancelWaitTimeout = Duration.ofSeconds(2);
        }); CancelSwallowingProxy proxy = new CancelSwallowingProxy(node.postgres().host(), node.postgres().port())) {
            node.reconfigureNode(c -> behind(c, node.database(), proxy.port()));
            try (RawClient a = RawClient.connect(node); RawClient b = RawClient.connect(node)) {
                a.sendQuery("SELECT 'a done' FROM pg_sleep(1)");
                Thread.sleep(200);
                long cancelledAt = System.nanoTime();
                RawClient.cancel(node.port(), a.processId(), a.secretKey());
                // The swallowed cancel never lands, so a's query simply completes.
                assertThat(a.readRowsUntilReadyForQuery(1)).containsExactly("a done");

                b.sendQuery("SELECT 'b served'");
                assertThat(b.readRowsUntilReadyForQuery(1)).containsExactly("b served");
                long servedAfterCancel = Duration.ofNanos(System.nanoTime() - cancelledAt).toMillis();

                assertThat(proxy.cancelsSwallowed()).isEqualTo(1);
                // b got the server only once cancel_wait_timeout (2 s after the cancel) had passed.
                assertThat(servedAfterCancel).isGreaterThanOrEqualTo(1_800);
            }
        }
    }

    private static NodeConfig behind(NodeConfig c, String database, int proxyPort) {
        Map<String, DatabaseTarget> databases = new LinkedHashMap<>(c.databases());
        DatabaseTarget t = databases.get(database);
        databases.put(database, new DatabaseTarget(t.name(), List.of(new HostAndPort("127.0.0.1", proxyPort)), t.dbname(),
                t.serverUser(), t.serverPassword(), t.pool(), t.serverParameters()));
        return new NodeConfig(c.authType(), databases, c.users(), c.pooler(), c.hba());
    }
}
