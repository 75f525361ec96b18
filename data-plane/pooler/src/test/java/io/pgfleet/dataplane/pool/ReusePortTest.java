package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.KernelSetting;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** so_reuseport: a new node process binds the same port and takes over while the old one drains. */
class ReusePortTest {
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.RepeatedTest(10) // a race with logins in flight; it failed 2 runs in 40 before drain waited for them
    void aSecondNodeTakesThePortOverWithNoRefusedConnection() throws Exception {
        // Without it the kernel resets connections still queued on the listener that closes.
        try (KernelSetting migrate = KernelSetting.set("net.ipv4.tcp_migrate_req", "1")) {
            assumeTrue(migrate != null, "cannot set net.ipv4.tcp_migrate_req here");
            takeOver();
        }
    }

    private void takeOver() throws Exception {
        TestNode old = TestNode.start(Postgres.shared(), "reuseport" + RUNS.incrementAndGet(), List.of("user"), s -> s.poolMode = PoolMode.TRANSACTION,
                p -> p.withSoReuseport(true));
        int port = old.port();
        Pooler successor = Pooler.start(PoolerSettings.defaults("127.0.0.1", port).withSoReuseport(true), old.config());
        try {
            assertThat(successor.port()).isEqualTo(port);
            CompletableFuture<Boolean> draining = CompletableFuture.supplyAsync(() -> old.pooler().drain(Duration.ofSeconds(5)));
            List<String> refused = new java.util.ArrayList<>();
            // Bounded: 60 fresh logins while the old node drains and after it is gone. A login
            // caught mid-way by the drain gets 57P01 (a clear "shutting down"), never a reset.
            for (int i = 0; i < 60; i++) {
                try (Connection c = DriverManager.getConnection(old.url(), old.user(), io.pgfleet.testkit.TestNode.PASSWORD)) {
                    assertThat(scalar(c, "SELECT 1")).isEqualTo("1");
                } catch (SQLException e) {
                    if (!"57P01".equals(e.getSQLState())) {
                        refused.add("login " + i + ": " + e.getSQLState() + " " + e.getMessage());
                    }
                }
            }
            draining.get();
            assertThat(refused).isEmpty();
            try (Connection c = DriverManager.getConnection(old.url(), old.user(), io.pgfleet.testkit.TestNode.PASSWORD)) {
                assertThat(scalar(c, "SELECT 'served by the successor'")).isEqualTo("served by the successor");
            }
        } finally {
            successor.close();
        }
    }
}
