package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.pool.Pool;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bar for prepared statements: 50 pgjdbc clients with prepareThreshold=1 share
 * 2 server connections in transaction mode for a minute (pgfleet.soak.seconds) without one
 * error, and every statement returns its own client's right rows. Statements are shared
 * between clients (same text), private to one (same name, another text), used in and out
 * of explicit transactions, and prepared anew by pgjdbc's own statement cache.
 */
class TransactionModeSoakTest {
    private static final int CLIENTS = 50;
    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("pgfleet.soak.seconds", 60));
    private static TestNode node;

    @BeforeAll
    static void start() throws SQLException {
        node = TestNode.start("soak", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
            s.maxClientConn = 200;
        });
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE TABLE soak_rows (client int, n int, PRIMARY KEY (client, n))");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void fiftyClientsOnTwoServersForAMinuteWithoutAnError() throws Exception {
        long until = System.nanoTime() + DURATION.toNanos();
        AtomicLong statements = new AtomicLong();
        AtomicInteger maxServers = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int client = i;
            clients.add(pool.submit(() -> {
                try (Connection c = node.connect()) {
                    runClient(c, client, until, statements);
                } catch (Throwable e) {
                    failures.add("client " + client + ": " + e);
                }
                return null;
            }));
        }
        PoolKey key = new PoolKey(node.database(), node.user());
        while (clients.stream().anyMatch(f -> !f.isDone())) {
            Pool.Snapshot s = node.pooler().pools().snapshot(key);
            maxServers.accumulateAndGet(s.idle() + s.active() + s.connecting(), Math::max);
            Thread.sleep(50);
        }
        pool.shutdown();

        assertThat(failures).as("errors or wrong rows").isEmpty();
        assertThat(maxServers.get()).as("server connections at any time").isLessThanOrEqualTo(2);
        PoolSessionStats stats = node.pooler().pools().sessionStats(key);
        assertThat(stats.statementHitsTotal()).as("statements found already prepared on a server").isPositive();
        assertThat(statements.get()).as("statements run").isGreaterThan(CLIENTS * 100L);
        System.out.printf("soak: %d statements from %d clients on %d servers in %s; node prepared %d, reused %d, evicted %d%n",
                statements.get(), CLIENTS, maxServers.get(), DURATION, stats.statementPreparesTotal(),
                stats.statementHitsTotal(), stats.statementEvictionsTotal());
    }

    private static void runClient(Connection c, int client, long until, AtomicLong statements) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String own = "SELECT ?::int + " + client + " AS v"; // this client's text; others have the same shape, other numbers
        try (PreparedStatement doubled = c.prepareStatement("SELECT ?::int * 2 AS v");
             PreparedStatement mine = c.prepareStatement(own);
             PreparedStatement insert = c.prepareStatement("INSERT INTO soak_rows VALUES (?, ?)");
             PreparedStatement count = c.prepareStatement("SELECT count(*) FROM soak_rows WHERE client = ?")) {
            int inserted = 0;
            for (int i = 0; System.nanoTime() < until; i++) {
                int x = random.nextInt(1_000_000);
                expect(doubled, x, x * 2L, "doubled");
                expect(mine, x, x + (long) client, "own");
                // pgjdbc's cache hands a new PreparedStatement the server-side name it already has
                try (PreparedStatement again = c.prepareStatement("SELECT ?::int - 1 AS v")) {
                    expect(again, x, x - 1L, "again");
                }
                statements.addAndGet(3);
                if (i % 10 == 0) {
                    c.setAutoCommit(false);
                    insert.setInt(1, client);
                    insert.setInt(2, inserted++);
                    insert.executeUpdate();
                    expect(count, client, inserted, "count in transaction");
                    c.commit();
                    c.setAutoCommit(true);
                    statements.addAndGet(2);
                }
            }
        }
    }

    private static void expect(PreparedStatement ps, int parameter, long expected, String what) throws SQLException {
        ps.setInt(1, parameter);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || rs.getLong(1) != expected || rs.next()) {
                throw new AssertionError(what + "(" + parameter + "): expected " + expected);
            }
        }
    }
}
