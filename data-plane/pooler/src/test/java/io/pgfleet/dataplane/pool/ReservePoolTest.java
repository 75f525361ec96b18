package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.pool.Clients.async;
import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static io.pgfleet.dataplane.pool.Clients.holdTransaction;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * reserve_pool_size / reserve_pool_timeout: a client that waited longer than the timeout
 * gets an extra server beyond pool_size; without a reserve it keeps waiting.
 */
class ReservePoolTest {
    private static TestNode withReserve;
    private static TestNode withoutReserve;

    @BeforeAll
    static void start() {
        withReserve = TestNode.start("reserve", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.reservePoolSize = 1;
            s.reservePoolTimeout = Duration.ofSeconds(1);
        });
        withoutReserve = TestNode.start("noreserve", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.reservePoolSize = 0;
            s.reservePoolTimeout = Duration.ofSeconds(1);
        });
    }

    @AfterAll
    static void stop() {
        withReserve.close();
        withoutReserve.close();
    }

    @Test
    void aClientWaitingLongerThanReservePoolTimeoutGetsAReserveServer() throws Exception {
        try (Connection holder = withReserve.connect(); Connection second = withReserve.connect()) {
            int held = holdTransaction(holder);
            long started = System.nanoTime();
            CompletableFuture<Integer> waiting = async(() -> backendPid(second));
            // Served while the first transaction is still open: only the reserve can do that.
            int pid = waiting.get(10, TimeUnit.SECONDS);
            long waitedMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(pid).isNotEqualTo(held);
            assertThat(waitedMillis).as("not before reserve_pool_timeout").isGreaterThanOrEqualTo(900);
            assertThat(withReserve.serverConnectionsSeenByPostgres()).isEqualTo(2);
            holder.rollback();
        }
    }

    @Test
    void withoutAReservePoolTheClientWaitsForTheServer() throws Exception {
        try (Connection holder = withoutReserve.connect(); Connection second = withoutReserve.connect()) {
            int held = holdTransaction(holder);
            CompletableFuture<Integer> waiting = async(() -> backendPid(second));
            // Three sweeps after reserve_pool_timeout would have opened a reserve server.
            Thread.sleep(3000);
            assertThat(waiting).isNotDone();
            assertThat(withoutReserve.serverConnectionsSeenByPostgres()).isEqualTo(1);
            holder.rollback();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(held);
        }
    }
}
