package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;

/** Waiting clients are served first come, first served; a busy pool never starves another pool. */
class FairnessTest {
    private static TestNode node;
    /** Own threads: the common pool may have a single thread on a 2-core machine and would serialise the clients. */
    private static final ExecutorService THREADS = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        node = TestNode.start(Postgres.shared(), "fair", List.of("busy", "quiet"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
        }, p -> p);
    }

    @AfterAll
    static void stop() {
        THREADS.shutdownNow();
        node.close();
    }

    @Test
    void waitersAreServedInTheOrderTheyCame() throws Exception {
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                clients.add(node.connect(node.user(0), new Properties()));
            }
            Connection holder = clients.get(0);
            holder.createStatement().execute("CREATE SEQUENCE IF NOT EXISTS served_order");
            holder.setAutoCommit(false);
            scalar(holder, "SELECT 1"); // holds the only server
            // The order in which the server ran the waiters' queries, as the server itself numbers them.
            Map<Integer, Long> servedAs = new ConcurrentHashMap<>();
            List<CompletableFuture<Void>> waiting = new ArrayList<>();
            for (int i = 1; i < 5; i++) {
                int id = i;
                waiting.add(CompletableFuture.runAsync(() -> {
                    try {
                        servedAs.put(id, Long.parseLong(scalar(clients.get(id), "SELECT nextval('served_order')")));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, THREADS));
                Thread.sleep(150); // make the arrival order certain
            }
            holder.commit();
            CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            assertThat(servedAs.get(1)).isLessThan(servedAs.get(2));
            assertThat(servedAs.get(2)).isLessThan(servedAs.get(3));
            assertThat(servedAs.get(3)).isLessThan(servedAs.get(4));
        } finally {
            for (Connection c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aSaturatedPoolDoesNotDelayAnotherPool() throws Exception {
        try (Connection busy = node.connect(node.user(0), new Properties());
             Connection busyWaiter = node.connect(node.user(0), new Properties());
             Connection quiet = node.connect(node.user(1), new Properties())) {
            busy.setAutoCommit(false);
            scalar(busy, "SELECT 1");
            CompletableFuture<String> stuck = CompletableFuture.supplyAsync(() -> {
                try {
                    return scalar(busyWaiter, "SELECT 'eventually'");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            // The other user's pool answers at once although the first pool is full and has a queue.
            CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> {
                try {
                    return scalar(quiet, "SELECT 'served'");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertThat(other.get(5, TimeUnit.SECONDS)).isEqualTo("served");
            assertThat(stuck).isNotDone();
            busy.commit();
            assertThat(stuck.get(10, TimeUnit.SECONDS)).isEqualTo("eventually");
        }
    }
}
