package io.pgfleet.dataplane.stats;

import io.pgfleet.dataplane.agent.StatsReports;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.StatsReport;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.Psql;
import io.pgfleet.testkit.TestNode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SHOW STATS counters and the latency histograms of the stats stream, counted from real
 * pgjdbc traffic through a transaction-mode node: exact query, transaction and byte counts
 * for a known workload, times that cover known sleeps, and wait time of a queued client.
 */
class PoolStatsTest {
    /** Simple-protocol "SELECT 1": 'Q', length, the text and its NUL. */
    private static final int SELECT_1_QUERY_BYTES = 1 + 4 + "SELECT 1".length() + 1;
    /** PostgreSQL's answer: RowDescription of "?column?" (34), DataRow "1" (12), CommandComplete "SELECT 1" (14), ReadyForQuery (6). */
    private static final int SELECT_1_ANSWER_BYTES = 34 + 12 + 14 + 6;

    private static TestNode node;
    private static StatsReports reports;

    @BeforeAll
    static void start() {
        node = TestNode.start("poolstats", List.of("app", "admin"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.adminUsers = List.of("poolstats_admin");
        }, c -> c);
        reports = new StatsReports(node.pooler(), () -> 7);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static Connection connect(String applicationName) throws Exception {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("ApplicationName", applicationName);
        return node.connect(node.user(0), props);
    }

    private static PoolView pool() {
        return node.pooler().pools().views().stream().filter(p -> p.key().user().equals(node.user(0))).findFirst()
                .orElseThrow();
    }

    private static Histogram decode(com.google.protobuf.ByteString bytes) throws Exception {
        if (bytes.isEmpty()) {
            return new Histogram(LatencyRecorder.SIGNIFICANT_DIGITS);
        }
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes.toByteArray()), 0);
    }

    private static io.pgfleet.proto.v1.PoolStats reported(StatsReport report) {
        return report.getPoolsList().stream().filter(p -> p.getUser().equals(node.user(0))).findFirst().orElseThrow();
    }

    @Test
    void countsQueriesTransactionsBytesAndTimesOfAKnownWorkload() throws Exception {
        try (Connection client = connect("stats-test-app"); Statement st = client.createStatement()) {
            st.execute("SELECT 1"); // the pool exists and is warm
            PoolStats.Totals before = pool().totals();
            reports.next("n", "b"); // the histograms' interval starts now

            for (int i = 0; i < 10; i++) {
                st.execute("SELECT 1");
            }
            st.execute("BEGIN");
            st.execute("SELECT pg_sleep(0.2)");
            st.execute("SELECT 2");
            st.execute("COMMIT");

            PoolStats.Totals delta = pool().totals().minus(before);
            assertThat(delta.queries()).isEqualTo(14);
            assertThat(delta.transactions()).isEqualTo(11);
            assertThat(delta.serverAssignments()).isEqualTo(11); // one per transaction in transaction mode
            // the ten SELECT 1 round trips are byte-exact; the transaction adds more
            assertThat(delta.bytesReceived()).isGreaterThan(10L * SELECT_1_QUERY_BYTES);
            assertThat(delta.bytesSent()).isGreaterThan(10L * SELECT_1_ANSWER_BYTES);
            assertThat(delta.queryMicros()).isGreaterThanOrEqualTo(200_000);
            assertThat(delta.transactionMicros()).isGreaterThanOrEqualTo(200_000).isGreaterThanOrEqualTo(delta.queryMicros() - 1_000 * 14);

            StatsReport report = reports.next("n", "b");
            io.pgfleet.proto.v1.PoolStats pool = reported(report);
            assertThat(report.getConfigGeneration()).isEqualTo(7);
            Histogram queries = decode(pool.getQueryLatencyUs());
            Histogram transactions = decode(pool.getXactLatencyUs());
            assertThat(queries.getTotalCount()).isEqualTo(14);
            assertThat(transactions.getTotalCount()).isEqualTo(11);
            assertThat(transactions.getMaxValue()).isGreaterThanOrEqualTo(200_000); // the sleeping transaction
            assertThat(decode(pool.getWaitLatencyUs()).getTotalCount()).isEqualTo(11);
            assertThat(pool.getXactCount()).isEqualTo(pool().totals().transactions());
            // the next report carries only what came after this one
            assertThat(decode(reported(reports.next("n", "b")).getQueryLatencyUs()).getTotalCount()).isZero();

            ServiceStats service = report.getServicesList().stream()
                    .filter(s -> s.getApplicationName().equals("stats-test-app")).findFirst().orElseThrow();
            assertThat(service.getClients()).isEqualTo(1);
            assertThat(service.getXactCount()).isGreaterThanOrEqualTo(12); // 11 + the warm-up
        }
    }

    @Test
    void anObserverSetAfterThePoolWasMadeSeesItsLatencies() throws Exception {
        java.util.concurrent.atomic.AtomicLong queries = new java.util.concurrent.atomic.AtomicLong();
        try (Connection client = connect("observed"); Statement st = client.createStatement()) {
            st.execute("SELECT 1"); // the pool exists before anyone observes it
            node.pooler().pools().latencyObservers(key -> new LatencyObserver() {
                @Override
                public void query(long micros) {
                    queries.incrementAndGet();
                }
            });
            try {
                for (int i = 0; i < 3; i++) {
                    st.execute("SELECT 1");
                }
                assertThat(queries.get()).isEqualTo(3);
            } finally {
                node.pooler().pools().latencyObservers(LatencyObserver.Factory.NONE);
            }
        }
    }

    @Test
    void exactBytesOfSimpleQueries() throws Exception {
        try (Connection client = connect("bytes"); Statement st = client.createStatement()) {
            st.execute("SELECT 1");
            PoolStats.Totals before = pool().totals();
            for (int i = 0; i < 10; i++) {
                st.execute("SELECT 1");
            }
            PoolStats.Totals delta = pool().totals().minus(before);
            assertThat(delta.bytesReceived()).isEqualTo(10L * SELECT_1_QUERY_BYTES);
            assertThat(delta.bytesSent()).isEqualTo(10L * SELECT_1_ANSWER_BYTES);
        }
    }

    @Test
    void aClientQueuedBehindABusyServerAddsItsWaitTime() throws Exception {
        try (Connection holder = connect("holder"); Statement hold = holder.createStatement();
             Connection waiter = connect("waiter"); Statement wait = waiter.createStatement()) {
            wait.execute("SELECT 1");
            PoolStats.Totals before = pool().totals();
            hold.execute("BEGIN");
            hold.execute("SELECT 1"); // holds the pool's only server
            CompletableFuture<Void> queued = CompletableFuture.runAsync(() -> {
                try {
                    wait.execute("SELECT 1");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Eventually.await(Duration.ofSeconds(5), "the second client waits", () -> pool().waiting() == 1);
            Thread.sleep(300);
            assertThat(pool().maxWaitNanos()).isGreaterThanOrEqualTo(300_000_000L);
            hold.execute("COMMIT");
            queued.get();
            PoolStats.Totals delta = pool().totals().minus(before);
            assertThat(delta.waitMicros()).isGreaterThanOrEqualTo(300_000);
        }
    }

    @Test
    void showStatsPrintsTheCounters() throws Exception {
        assumeTrue(Psql.available(), "psql is not installed");
        try (Connection client = connect("console"); Statement st = client.createStatement()) {
            for (int i = 0; i < 3; i++) {
                st.execute("SELECT 1");
            }
        }
        Psql.Result result = Psql.runWithHeader("127.0.0.1", node.port(), node.user(1), TestNode.PASSWORD, "pgbouncer",
                "SHOW STATS");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<String> lines = result.stdout().lines().toList();
        List<String> header = List.of(lines.get(0).split("\\|", -1));
        String[] row = lines.stream().filter(l -> l.startsWith(node.database() + "|")).findFirst().orElseThrow().split("\\|", -1);
        PoolStats.Totals totals = pool().totals();
        assertThat(Long.parseLong(row[header.indexOf("total_xact_count")])).isEqualTo(totals.transactions()).isPositive();
        assertThat(Long.parseLong(row[header.indexOf("total_query_count")])).isEqualTo(totals.queries());
        assertThat(Long.parseLong(row[header.indexOf("total_received")])).isEqualTo(totals.bytesReceived());
        assertThat(Long.parseLong(row[header.indexOf("total_sent")])).isEqualTo(totals.bytesSent());
        assertThat(Long.parseLong(row[header.indexOf("total_xact_time")])).isEqualTo(totals.transactionMicros());
    }
}
