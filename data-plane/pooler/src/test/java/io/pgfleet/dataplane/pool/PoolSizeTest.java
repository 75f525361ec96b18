package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.pool.Clients.async;
import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static io.pgfleet.dataplane.pool.Clients.holdTransaction;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * default_pool_size caps a pool's server connections; a user's pool_size ([users]) and a
 * database's pool_size ([databases]) override it, the user's over the database's.
 */
class PoolSizeTest {
    private static final String PREFIX = "poolsize";
    private static TestNode node;

    @BeforeAll
    static void start() {
        PoolOverrides one = new PoolOverrides(null, 1, null, null, null, null, null, null, null, null, null, null);
        PoolOverrides three = new PoolOverrides(null, 3, null, null, null, null, null, null, null, null, null, null);
        node = TestNode.start(PREFIX, List.of("user", "small"), List.of("smalldb"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
            s.queryWaitTimeout = Duration.ofSeconds(20);
        }, TestNode.userPool(PREFIX + "_small", one).andThen(TestNode.databasePool(PREFIX + "_smalldb", three))::apply);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void defaultPoolSizeCapsServersAndTheNextTransactionWaits() throws Exception {
        assertCapAndWaiter(node.user(0), node.database(0), 2);
    }

    @Test
    void aUsersPoolSizeOverridesTheDefault() throws Exception {
        assertCapAndWaiter(node.user(1), node.database(0), 1);
    }

    @Test
    void aDatabasesPoolSizeOverridesTheDefaultAndTheUsersOverridesTheDatabases() throws Exception {
        assertCapAndWaiter(node.user(0), node.database(1), 3);
        assertCapAndWaiter(node.user(1), node.database(1), 1);
    }

    /** {@code size} clients each hold a transaction; one more client must wait for one of them to commit. */
    private static void assertCapAndWaiter(String user, String database, int size) throws Exception {
        PoolKey key = new PoolKey(database, user);
        List<Connection> holders = new ArrayList<>();
        // pgjdbc runs a statement at connect: log every client in before the pool is full.
        try (Connection extra = node.connect(user, database)) {
            for (int i = 0; i < size; i++) {
                holders.add(node.connect(user, database));
            }
            for (Connection c : holders) {
                holdTransaction(c);
            }
            CompletableFuture<Integer> waiting = async(() -> backendPid(extra));
            Eventually.await(Duration.ofSeconds(5), "the extra client waits in line",
                    () -> node.pooler().pools().snapshot(key).waiting() == 1);
            Pool.Snapshot snapshot = node.pooler().pools().snapshot(key);
            assertThat(snapshot.active() + snapshot.idle() + snapshot.connecting()).isEqualTo(size);
            assertThat(waiting).isNotDone();
            assertThat(serversOf(user, database)).isEqualTo(size);

            holders.get(0).commit();
            int pid = waiting.get(10, TimeUnit.SECONDS);
            assertThat(pid).isPositive();
            assertThat(serversOf(user, database)).isLessThanOrEqualTo(size);
        } finally {
            for (Connection c : holders) {
                c.close();
            }
        }
    }

    private static int serversOf(String user, String database) {
        try (Connection c = node.postgres().connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
                     + "' AND usename = '" + user + "' AND backend_type = 'client backend'")) {
            rs.next();
            return rs.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
