package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.stats.PoolStats.Totals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pgfleet.dataplane.console.Column.numeric;
import static io.pgfleet.dataplane.console.Column.text;

/**
 * SHOW STATS, STATS_TOTALS, STATS_AVERAGES and TOTALS, with PgBouncer 1.25's columns
 * (its stats.c): totals since the pools were made, averages over the last complete
 * {@link StatsPeriod}. All numeric, as PgBouncer describes them.
 */
final class StatsViews {
    /** The eleven counters in PgBouncer's order, by the suffix SHOW STATS gives them. */
    private static final List<String> COUNTERS = List.of("server_assignment_count", "xact_count", "query_count",
            "received", "sent", "xact_time", "query_time", "wait_time", "client_parse_count", "server_parse_count",
            "bind_count");

    private StatsViews() {
    }

    static Table stats(ConsoleSnapshot s) {
        List<Column> columns = new ArrayList<>();
        columns.add(text("database"));
        COUNTERS.forEach(c -> columns.add(numeric("total_" + c)));
        // PgBouncer abbreviates two of the averages: avg_recv, not avg_received
        COUNTERS.forEach(c -> columns.add(numeric("avg_" + c.replace("received", "recv"))));
        Table t = new Table(columns.toArray(Column[]::new));
        StatAverages.byDatabase(s.pools()).forEach((database, totals) -> {
            List<Object> row = new ArrayList<>();
            row.add(database);
            row.addAll(values(totals));
            row.addAll(values(s.stats().averages(database)));
            t.row(row.toArray());
        });
        return t;
    }

    static Table statsTotals(ConsoleSnapshot s) {
        Table t = new Table(text("database"), numeric("server_assignment_count"), numeric("xact_count"),
                numeric("query_count"), numeric("bytes_received"), numeric("bytes_sent"), numeric("xact_time"),
                numeric("query_time"), numeric("wait_time"), numeric("client_parse_count"),
                numeric("server_parse_count"), numeric("bind_count"));
        StatAverages.byDatabase(s.pools()).forEach((database, totals) -> t.row(row(database, totals)));
        return t;
    }

    /** PgBouncer 1.25 names the last three averages with avg_ and the others without. */
    static Table statsAverages(ConsoleSnapshot s) {
        Table t = new Table(text("database"), numeric("server_assignment_count"), numeric("xact_count"),
                numeric("query_count"), numeric("bytes_received"), numeric("bytes_sent"), numeric("xact_time"),
                numeric("query_time"), numeric("wait_time"), numeric("avg_client_parse_count"),
                numeric("avg_server_parse_count"), numeric("avg_bind_count"));
        StatAverages.byDatabase(s.pools()).keySet().forEach(database -> t.row(row(database, s.stats().averages(database))));
        return t;
    }

    /** Rows of name and value: every counter summed over all databases, then its average. */
    static Table totals(ConsoleSnapshot s) {
        Table t = new Table(text("name"), numeric("value"));
        Totals all = StatAverages.sum(StatAverages.byDatabase(s.pools()));
        List<String> names = List.of("server_assignment_count", "xact_count", "query_count", "client_bytes",
                "server_bytes", "xact_time", "query_time", "wait_time", "ps_client_parse_count",
                "ps_server_parse_count", "ps_bind_count");
        List<Long> totals = values(all);
        List<Long> averages = values(s.stats().averagesOfAll());
        for (int i = 0; i < names.size(); i++) {
            t.row("total_" + names.get(i), totals.get(i));
        }
        for (int i = 0; i < names.size(); i++) {
            t.row("avg_" + names.get(i), averages.get(i));
        }
        return t;
    }

    private static Object[] row(String database, Totals values) {
        List<Object> row = new ArrayList<>();
        row.add(database);
        row.addAll(values(values));
        return row.toArray();
    }

    private static List<Long> values(Totals v) {
        return List.of(v.serverAssignments(), v.transactions(), v.queries(), v.bytesReceived(), v.bytesSent(),
                v.transactionMicros(), v.queryMicros(), v.waitMicros(), v.clientParses(), v.serverParses(), v.binds());
    }

    static void register(Map<String, java.util.function.Function<ConsoleSnapshot, Table>> views) {
        views.put("STATS", StatsViews::stats);
        views.put("STATS_TOTALS", StatsViews::statsTotals);
        views.put("STATS_AVERAGES", StatsViews::statsAverages);
        views.put("TOTALS", StatsViews::totals);
    }
}
