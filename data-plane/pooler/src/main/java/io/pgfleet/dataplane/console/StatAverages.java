package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.dataplane.stats.PoolStats.Totals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's avg_* numbers from the totals at the start and end of a stats period:
 * counts and bytes per second, and the mean transaction, query and wait time in
 * microseconds (wait per server assignment). Whole numbers, as PgBouncer's integer
 * arithmetic gives them; returned in the shape of the totals.
 */
final class StatAverages {
    private StatAverages() {
    }

    /** The SHOW STATS totals by database, summed over its pools, in the order the pools were made. */
    static Map<String, Totals> byDatabase(List<PoolView> pools) {
        Map<String, Totals> out = new LinkedHashMap<>();
        for (PoolView p : pools) {
            out.merge(p.key().database(), p.totals(), Totals::plus);
        }
        return out;
    }

    static Totals sum(Map<String, Totals> byDatabase) {
        return byDatabase.values().stream().reduce(Totals.ZERO, Totals::plus);
    }

    /** The averages over {@code micros} between {@code start} and {@code end}. */
    static Totals over(Totals start, Totals end, long micros) {
        if (micros <= 0) {
            return Totals.ZERO;
        }
        Totals d = end.minus(start);
        return new Totals(perSecond(d.serverAssignments(), micros), perSecond(d.transactions(), micros),
                perSecond(d.queries(), micros), perSecond(d.bytesReceived(), micros), perSecond(d.bytesSent(), micros),
                d.transactions() > 0 ? d.transactionMicros() / d.transactions() : 0,
                d.queries() > 0 ? d.queryMicros() / d.queries() : 0,
                d.serverAssignments() > 0 ? d.waitMicros() / d.serverAssignments() : 0,
                perSecond(d.clientParses(), micros), perSecond(d.serverParses(), micros), perSecond(d.binds(), micros));
    }

    private static long perSecond(long delta, long micros) {
        // integer arithmetic, as PgBouncer's, unless delta * 10^6 would not fit in a long
        return Math.abs(delta) < Long.MAX_VALUE / 1_000_000L ? delta * 1_000_000L / micros
                : (long) (delta * 1_000_000.0 / micros);
    }
}
