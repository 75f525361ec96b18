package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Drain (what SIGTERM does): stop accepting, let running transactions finish, close the rest. */
class DrainTest {

    @Test
    void aRunningTransactionCommitsIdleClientsAreToldAndNewOnesRefused() throws Exception {
        TestNode node = TestNode.start("drain", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        });
        try (Connection inTransaction = node.connect(); Connection idle = node.connect()) {
            inTransaction.setAutoCommit(false);
            inTransaction.createStatement().execute("CREATE TABLE drained (x int)");
            scalar(idle, "SELECT 1");

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> node.pooler().drain(Duration.ofSeconds(10)));
            Thread.sleep(500);
            assertThatThrownBy(() -> DriverManager.getConnection(node.url(), node.user(), "x"))
                    .as("no new client once draining").isInstanceOf(PSQLException.class);
            assertThatThrownBy(() -> scalar(idle, "SELECT 1")).as("idle clients are closed").isInstanceOf(PSQLException.class);

            // The open transaction may still finish, and its commit counts.
            inTransaction.createStatement().execute("INSERT INTO drained VALUES (1)");
            inTransaction.commit();
            assertThat(drained.get(15, TimeUnit.SECONDS)).as("every client left before the deadline").isTrue();
        }
        try (Connection direct = node.postgres().connectAsSuperuser(node.database())) {
            assertThat(scalar(direct, "SELECT count(*) FROM drained")).isEqualTo("1");
        }
    }

    @Test
    void theDeadlineClosesWhatIsLeft() throws Exception {
        TestNode node = TestNode.start("drainlate", s -> s.poolMode = PoolMode.TRANSACTION);
        try (Connection stuck = node.connect()) {
            stuck.setAutoCommit(false);
            scalar(stuck, "SELECT 1");
            long start = System.nanoTime();
            assertThat(node.pooler().drain(Duration.ofSeconds(1))).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
            assertThatThrownBy(() -> scalar(stuck, "SELECT 1")).isInstanceOf(PSQLException.class);
        }
    }
}
