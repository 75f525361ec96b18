package io.pgfleet.dataplane.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Transactions of one pool per application_name: who uses the pool. application_name is
 * whatever clients send, so the number of names kept is bounded; names beyond the bound
 * are counted under {@link #OTHER}.
 */
public final class ServiceCounters {
    /** At most this many names per pool. */
    public static final int MAX_NAMES = 100;
    public static final String OTHER = "(other)";

    /** Cumulative transaction count and time (microseconds) of one application_name. */
    public record Counts(long transactions, long transactionMicros) {
    }

    private static final class Adders {
        final LongAdder transactions = new LongAdder();
        final LongAdder micros = new LongAdder();
    }

    private final Map<String, Adders> byName = new ConcurrentHashMap<>();

    void record(String applicationName, long micros) {
        Adders adders = byName.get(applicationName);
        if (adders == null) {
            String key = byName.size() >= MAX_NAMES ? OTHER : applicationName;
            adders = byName.computeIfAbsent(key, k -> new Adders());
        }
        adders.transactions.increment();
        adders.micros.add(micros);
    }

    /** Every name seen since the node started, with its totals. */
    public Map<String, Counts> snapshot() {
        Map<String, Counts> copy = new java.util.TreeMap<>();
        byName.forEach((name, a) -> copy.put(name, new Counts(a.transactions.sum(), a.micros.sum())));
        return copy;
    }
}
