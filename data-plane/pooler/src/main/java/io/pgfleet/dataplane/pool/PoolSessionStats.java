package io.pgfleet.dataplane.pool;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What transaction pooling did for one pool's clients: pins and prepared statements.
 * Updated from the event loops without the pool lock; read by stats and tests.
 */
public final class PoolSessionStats {
    private final AtomicInteger pinnedClients = new AtomicInteger();
    private final LongAdder pins = new LongAdder();
    private final LongAdder refusals = new LongAdder();
    private final LongAdder statementHits = new LongAdder();
    private final LongAdder statementPrepares = new LongAdder();
    private final LongAdder statementEvictions = new LongAdder();

    public void pinned() {
        pins.increment();
        pinnedClients.incrementAndGet();
    }

    public void unpinned() {
        pinnedClients.decrementAndGet();
    }

    public void refused() {
        refusals.increment();
    }

    /** A client's statement was already prepared on the server it used. */
    public void statementHit() {
        statementHits.increment();
    }

    /** The node prepared a client's statement on a server. */
    public void statementPrepared() {
        statementPrepares.increment();
    }

    /** A server's statement cache was full and dropped its least recently used statement. */
    public void statementEvicted() {
        statementEvictions.increment();
    }

    /** Clients holding a server because of session state, now. */
    public int pinnedClients() {
        return pinnedClients.get();
    }

    public long pinsTotal() {
        return pins.sum();
    }

    public long refusalsTotal() {
        return refusals.sum();
    }

    public long statementHitsTotal() {
        return statementHits.sum();
    }

    public long statementPreparesTotal() {
        return statementPrepares.sum();
    }

    public long statementEvictionsTotal() {
        return statementEvictions.sum();
    }

    /** The sums over several pools (node-wide metrics). */
    public record Totals(int pinnedClients, long pins, long refusals, long statementHits, long statementPrepares,
                         long statementEvictions) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0);

        Totals plus(PoolSessionStats s) {
            return new Totals(pinnedClients + s.pinnedClients(), pins + s.pinsTotal(), refusals + s.refusalsTotal(),
                    statementHits + s.statementHitsTotal(), statementPrepares + s.statementPreparesTotal(),
                    statementEvictions + s.statementEvictionsTotal());
        }
    }
}
