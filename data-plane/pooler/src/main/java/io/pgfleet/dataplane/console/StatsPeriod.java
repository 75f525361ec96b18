package io.pgfleet.dataplane.console;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.dataplane.stats.PoolStats.Totals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * PgBouncer's stats_period: every period the per-database totals are noted, and the
 * averages of SHOW STATS, STATS_AVERAGES and TOTALS are those of the last complete period
 * (between the last two notes), not of the moment the command runs. So two SHOWs within a
 * period agree, and a rate does not dip because a period has just begun.
 */
public final class StatsPeriod {
    /** PgBouncer's default stats_period. */
    public static final Duration DEFAULT = Duration.ofSeconds(60);

    private final Supplier<List<PoolView>> pools;
    private volatile Window window;
    private ScheduledFuture<?> timer;

    /**
     * The totals at the start and end of the last complete period, and when (nanoTime). Before
     * the first period ends both are empty and every average is 0, as in PgBouncer.
     */
    record Window(Map<String, Totals> older, Map<String, Totals> newer, long olderNanos, long newerNanos) {
        Totals averages(String database) {
            Totals end = newer.get(database);
            if (end == null) {
                return Totals.ZERO;
            }
            return StatAverages.over(older.getOrDefault(database, Totals.ZERO), end, micros());
        }

        Totals averagesOfAll() {
            return StatAverages.over(StatAverages.sum(older), StatAverages.sum(newer), micros());
        }

        private long micros() {
            return (newerNanos - olderNanos) / 1000;
        }
    }

    public StatsPeriod(Supplier<List<PoolView>> pools) {
        this.pools = pools;
        long now = System.nanoTime();
        this.window = new Window(Map.of(), Map.of(), now - 1_000_000_000L, now);
    }

    /** Notes the totals every {@code period} on one of the loops. */
    public void start(EventLoopGroup loops, Duration period) {
        long millis = period.toMillis();
        timer = loops.next().scheduleAtFixedRate(this::roll, millis, millis, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** A period ended: its end becomes the next one's start. */
    void roll() {
        roll(System.nanoTime());
    }

    void roll(long nowNanos) {
        Window w = window;
        window = new Window(w.newer(), StatAverages.byDatabase(pools.get()), w.newerNanos(), nowNanos);
    }

    Window window() {
        return window;
    }
}
