package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.pool.PoolView;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's per-database counters (its PgStats), summed over a database's pools: counts,
 * bytes and microseconds since the pools were made. Also the shape of the averages.
 *
 * @param received bytes received from clients
 * @param sent     bytes sent to clients
 */
record StatTotals(long serverAssignments, long xacts, long queries, long received, long sent, long xactMicros,
                  long queryMicros, long waitMicros, long clientParses, long serverParses, long binds) {
    static final StatTotals ZERO = new StatTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The counters one pool has. */
    static StatTotals of(PoolView pool) {
        return new StatTotals(pool.serverAssignments(), 0, 0, 0, 0, 0, 0, 0, 0, pool.serverParses(), 0);
    }

    /** Totals by database, in the order the pools were made. */
    static Map<String, StatTotals> byDatabase(List<PoolView> pools) {
        Map<String, StatTotals> out = new LinkedHashMap<>();
        for (PoolView p : pools) {
            out.merge(p.key().database(), of(p), StatTotals::plus);
        }
        return out;
    }

    StatTotals plus(StatTotals o) {
        return new StatTotals(serverAssignments + o.serverAssignments, xacts + o.xacts, queries + o.queries,
                received + o.received, sent + o.sent, xactMicros + o.xactMicros, queryMicros + o.queryMicros,
                waitMicros + o.waitMicros, clientParses + o.clientParses, serverParses + o.serverParses, binds + o.binds);
    }

    /**
     * PgBouncer's averages from the totals at the start ({@code older}) and end (this) of a
     * period of {@code micros}: counts and bytes per second, and the mean transaction,
     * query and wait time in microseconds (wait per server assignment). Whole numbers, as
     * PgBouncer's integer arithmetic gives them.
     */
    StatTotals averageSince(StatTotals older, long micros) {
        if (micros <= 0) {
            return ZERO;
        }
        long assignments = serverAssignments - older.serverAssignments;
        long x = xacts - older.xacts;
        long q = queries - older.queries;
        return new StatTotals(perSecond(assignments, micros), perSecond(x, micros), perSecond(q, micros),
                perSecond(received - older.received, micros), perSecond(sent - older.sent, micros),
                x > 0 ? (xactMicros - older.xactMicros) / x : 0,
                q > 0 ? (queryMicros - older.queryMicros) / q : 0,
                assignments > 0 ? (waitMicros - older.waitMicros) / assignments : 0,
                perSecond(clientParses - older.clientParses, micros), perSecond(serverParses - older.serverParses, micros),
                perSecond(binds - older.binds, micros));
    }

    private static long perSecond(long delta, long micros) {
        // integer arithmetic, as PgBouncer's, unless delta * 10^6 would not fit in a long
        return Math.abs(delta) < Long.MAX_VALUE / 1_000_000L ? delta * 1_000_000L / micros
                : (long) (delta * 1_000_000.0 / micros);
    }
}
