package io.pgfleet.controlplane.stats;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code pgfleet.stats.*}: see docs/configuration.md. */
@ConfigMapping(prefix = "pgfleet.stats")
public interface StatsSettings {
    /** The nodes' report interval: one step of the in-memory history; 3 missed: stale. */
    @WithDefault("10s")
    Duration interval();

    /** How long the in-memory history (at report resolution) reaches back. */
    @WithDefault("1h")
    Duration history();

    /** How long per-node histograms are kept in memory (node counters stay for the whole history). */
    @WithDefault("5m")
    Duration nodeHistogramHistory();

    /** Reports waiting for the stats thread; beyond this they are dropped (and counted). */
    @WithDefault("10000")
    int queueCapacity();

    /** Write 1-minute and 1-hour rollups to PostgreSQL. */
    @WithDefault("true")
    boolean rollups();

    @WithDefault("7d")
    Duration retention1m();

    @WithDefault("90d")
    Duration retention1h();

    /**
     * Largest number of points one range query may return: the steps of the range times the
     * series that have data in them (one series for by=fleet; one per node, pool or service
     * otherwise), counted as they are read. A query past it is refused (400) rather than
     * answered; it also bounds the memory one query takes.
     */
    @WithDefault("100000")
    int maxPoints();

    default long intervalMs() {
        return interval().toMillis();
    }

    default long historyMs() {
        return history().toMillis();
    }

    default long nodeHistogramHistoryMs() {
        return nodeHistogramHistory().toMillis();
    }

    default long now() {
        return System.currentTimeMillis();
    }
}
