package io.pgfleet.dataplane.pool;

import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.TestNode;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static io.pgfleet.dataplane.pool.Clients.async;
import static io.pgfleet.dataplane.pool.Clients.backendPid;
import static io.pgfleet.dataplane.pool.Clients.holdTransaction;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two scenarios max_db_connections and max_user_connections share: pools A and B under
 * one limit of {@code limit} servers (A and B differ in user or in database).
 */
final class SharedLimitScenarios {
    /** How a test opens a client of pool A or B. */
    interface Opener {
        Connection open() throws Exception;
    }

    private SharedLimitScenarios() {
    }

    private static int pidOfNewClient(Opener opener) throws Exception {
        try (Connection c = opener.open()) {
            return backendPid(c);
        }
    }

    /**
     * A holds every slot in transactions; B waits although its own pool is empty. When one
     * of A's servers goes idle, it is closed and B gets the slot.
     */
    static void aWaitingPoolGetsTheSlotOfAnIdleServer(TestNode node, int limit, Opener a, Opener b,
                                                      PoolKey keyA, PoolKey keyB, IntSupplier serversUnderLimit) throws Exception {
        List<Connection> holders = new ArrayList<>();
        try {
            for (int i = 0; i < limit; i++) {
                Connection c = a.open();
                holdTransaction(c);
                holders.add(c);
            }
            assertThat(serversUnderLimit.getAsInt()).isEqualTo(limit);
            {
                // B's first client may wait already at login: nothing of B's pool has logged in yet.
                CompletableFuture<Integer> waiting = async(() -> pidOfNewClient(b));
                Eventually.await(Duration.ofSeconds(5), "B waits at the shared limit",
                        () -> node.pooler().pools().snapshot(keyB).waiting() == 1);
                assertThat(waiting).isNotDone();
                assertThat(serversUnderLimit.getAsInt()).isEqualTo(limit);

                holders.get(0).commit(); // A's server goes idle: the limit's slot is B's now
                assertThat(waiting.get(10, TimeUnit.SECONDS)).isPositive();
                assertThat(serversUnderLimit.getAsInt()).isLessThanOrEqualTo(limit);
                assertThat(node.pooler().pools().snapshot(keyA).idle()).isZero();
            }
        } finally {
            for (Connection c : holders) {
                c.close();
            }
        }
    }

    /**
     * A has more clients than the limit, all busy in a loop, so it always has someone
     * waiting; B's one transaction must still be served, and the server count never
     * passes the limit.
     */
    static void aBusyPoolDoesNotStarveAnother(TestNode node, int limit, Opener a, Opener b,
                                              IntSupplier serversUnderLimit) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger transactionsOfA = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        List<CompletableFuture<Void>> busy = new ArrayList<>();
        for (int i = 0; i < limit * 3; i++) {
            Connection c = a.open();
            busy.add(async(() -> {
                try (c; Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (running.get()) {
                        s.execute("SELECT pg_sleep(0.05)");
                        c.commit();
                        transactionsOfA.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        try {
            Eventually.await(Duration.ofSeconds(10), "A is busy", () -> transactionsOfA.get() > limit * 3);
            {
                CompletableFuture<Integer> served = async(() -> pidOfNewClient(b));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!served.isDone() && System.nanoTime() < deadline) {
                    maxSeen.accumulateAndGet(serversUnderLimit.getAsInt(), Math::max);
                    Thread.sleep(100);
                }
                assertThat(served).as("B is served while A stays busy").isDone();
                assertThat(served.get()).isPositive();
            }
            assertThat(maxSeen.get()).isLessThanOrEqualTo(limit);
        } finally {
            running.set(false);
            for (CompletableFuture<Void> f : busy) {
                f.get(20, TimeUnit.SECONDS);
            }
        }
    }
}
