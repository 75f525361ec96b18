package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.dataplane.stats.LatencyObserver;
import io.pgfleet.dataplane.stats.PoolStats;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The averages of SHOW STATS, STATS_AVERAGES and TOTALS: PgBouncer's per-second rates and
 * mean times over the last complete stats period, from two pools' real counters. Periods
 * are ended by hand, with chosen lengths, instead of waiting 60 s.
 */
class StatsPeriodTest {
    private static final long SECOND = 1_000_000_000L;

    private final PoolStats orders = new PoolStats(LatencyObserver.NONE);
    private final PoolStats reports = new PoolStats(LatencyObserver.NONE);
    /** The pools of the node: users of database shop and their counters; views are read fresh each time. */
    private final AtomicReference<Map<String, PoolStats>> members = new AtomicReference<>(Map.of());
    private final StatsPeriod period = new StatsPeriod(this::views);

    private List<PoolView> views() {
        return members.get().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> view("shop", e.getKey(), e.getValue())).toList();
    }

    @Test
    void averagesAreThoseOfTheLastCompletePeriodNotOfNow() {
        members.set(Map.of("orders", orders, "reports", reports));
        period.roll(0);
        // 10 s of traffic in database shop: 20 transactions of 3 ms, 40 queries of 1 ms,
        // 20 assignments that waited 500 us each, 10 kB in, 50 kB out
        for (int i = 0; i < 10; i++) {
            for (PoolStats s : List.of(orders, reports)) {
                s.serverAssigned(500);
                s.queryDone(1000);
                s.queryDone(1000);
                s.transactionDone(3000, "app");
                s.received(500);
                s.sent(2500);
            }
        }
        period.roll(10 * SECOND);
        // more traffic after the period ended does not change the averages until the next one ends
        orders.transactionDone(1_000_000, "app");

        ConsoleSnapshot s = snapshot();
        Map<String, String> stats = rowOf(StatsViews.stats(s), "shop");
        assertThat(stats).containsEntry("avg_xact_count", "2").containsEntry("avg_query_count", "4")
                .containsEntry("avg_server_assignment_count", "2").containsEntry("avg_recv", "1000")
                .containsEntry("avg_sent", "5000").containsEntry("avg_xact_time", "3000")
                .containsEntry("avg_query_time", "1000").containsEntry("avg_wait_time", "500");
        // the totals are live
        assertThat(stats).containsEntry("total_xact_count", "21").containsEntry("total_query_count", "40")
                .containsEntry("total_xact_time", Long.toString(20 * 3000 + 1_000_000));

        Map<String, String> averages = rowOf(StatsViews.statsAverages(s), "shop");
        assertThat(averages).containsEntry("xact_count", "2").containsEntry("bytes_received", "1000")
                .containsEntry("wait_time", "500");
        Map<String, String> totals = rowOf(StatsViews.statsTotals(s), "shop");
        assertThat(totals).containsEntry("xact_count", "21").containsEntry("bytes_sent", "50000");

        Map<String, String> all = nameValue(StatsViews.totals(s));
        assertThat(all).containsEntry("total_xact_count", "21").containsEntry("avg_xact_count", "2")
                .containsEntry("total_client_bytes", "10000").containsEntry("avg_server_bytes", "5000");

        // the next period (5 s) saw one transaction of 1 s
        period.roll(15 * SECOND);
        Map<String, String> next = rowOf(StatsViews.stats(snapshot()), "shop");
        assertThat(next).containsEntry("avg_xact_count", "0").containsEntry("avg_xact_time", "1000000")
                .containsEntry("avg_query_count", "0").containsEntry("avg_query_time", "0");
    }

    @Test
    void beforeThePeriodEndsEveryAverageIsZero() {
        members.set(Map.of("orders", orders));
        orders.transactionDone(3000, "");
        Map<String, String> stats = rowOf(StatsViews.stats(snapshot()), "shop");
        assertThat(stats).containsEntry("total_xact_count", "1").containsEntry("avg_xact_count", "0")
                .containsEntry("avg_xact_time", "0");
    }

    private ConsoleSnapshot snapshot() {
        ConsoleSnapshot empty = ConsoleSnapshot.empty();
        return new ConsoleSnapshot(null, empty.config(), views(), List.of(), List.of(), 0, empty.state(),
                period.window(), 0, 0);
    }

    private static PoolView view(String database, String user, PoolStats stats) {
        DatabaseTarget target = new DatabaseTarget(database, List.of(new HostAndPort("127.0.0.1", 5432)), database, null, null);
        return new PoolView(new PoolKey(database, user), target, PoolMode.TRANSACTION, 1, 0, 0, 0, 0, 1, 0, 0, 20, 0,
                stats.totals(0), stats, List.of());
    }

    private static Map<String, String> rowOf(Table t, String database) {
        List<String> names = t.columnNames();
        return t.rows().stream().filter(r -> database.equals(r.get(0))).findFirst()
                .map(r -> toMap(names, r)).orElseThrow();
    }

    private static Map<String, String> nameValue(Table t) {
        return t.rows().stream().collect(java.util.stream.Collectors.toMap(r -> r.get(0), r -> r.get(1)));
    }

    private static Map<String, String> toMap(List<String> names, List<String> row) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), row.get(i));
        }
        return m;
    }

}
