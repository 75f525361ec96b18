package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;

/** PAUSE: new transactions wait, running ones finish; RESUME lets the waiting ones run. */
class PauseResumeTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("pause", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void runningTransactionFinishesNewOneWaitsUntilResume() throws Exception {
        try (Connection running = node.connect(); Connection later = node.connect()) {
            running.setAutoCommit(false);
            scalar(running, "SELECT 1"); // a transaction is open
            node.pooler().pause();

            // The running transaction goes on and commits while paused.
            assertThat(scalar(running, "SELECT 2")).isEqualTo("2");
            running.commit();

            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return scalar(later, "SELECT 'after resume'");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(700);
            assertThat(waiting).as("a new transaction waits while paused").isNotDone();
            // Paused pools hold no idle server: the database could restart now. (Bounded
            // wait: the server process takes a moment to exit after the node hangs up.)
            Eventually.await(Duration.ofSeconds(5), "no server connection left while paused",
                    () -> node.serverConnectionsSeenByPostgres() == 0);

            node.pooler().resume();
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("after resume");
        }
    }
}
