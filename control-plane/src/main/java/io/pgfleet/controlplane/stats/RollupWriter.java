package io.pgfleet.controlplane.stats;

import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes this replica's finished minutes to {@code stats_1m} (one JDBC batch per minute and
 * fleet), makes the cluster's hourly rollups from every replica's minute rows (once, under an
 * advisory lock), and deletes rows past their retention.
 */
@ApplicationScoped
public class RollupWriter {
    private static final Logger LOG = Logger.getLogger(RollupWriter.class);
    static final long MINUTE = 60_000;
    static final long HOUR = 3_600_000;
    /**
     * How long a finished minute that could not be written (PostgreSQL unavailable) is
     * retried, counted from the minute's start; older ones are dropped (and logged).
     */
    static final long MINUTE_RETRY = 60 * MINUTE;
    /**
     * An hour is rolled up (and marked done) this long after it ended. Longer than the minute
     * retry: the hour's last minute may be written up to {@link #MINUTE_RETRY} after it
     * started, and a minute row written after the hour's mark would never reach stats_1h.
     */
    static final long HOUR_GRACE = MINUTE_RETRY + 5 * MINUTE;
    private static final long RETENTION_EVERY = 10 * MINUTE;

    @Inject
    FleetStatsAggregator aggregator;
    @Inject
    RollupStore store;
    @Inject
    StatsSettings settings;
    @Inject
    NodeRegistry registry;

    /** Finished minutes not written yet (a failed write is retried for {@link #MINUTE_RETRY}). */
    private final java.util.ArrayDeque<MinuteSums> unwritten = new java.util.ArrayDeque<>();
    private ScheduledExecutorService timer;
    private long lastRetention;

    void start(@Observes StartupEvent event) {
        if (!settings.rollups()) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgfleet-stats-rollup");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(200, Math.min(5000, settings.intervalMs() / 2));
        timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void tick() {
        synchronized (this) {
            for (MinuteSums lost : dropExpired(unwritten, settings.now())) {
                LOG.warnf("stats rollup of fleet %s, minute %s not written: PostgreSQL unavailable", lost.fleet,
                        java.time.Instant.ofEpochMilli(lost.minuteMs));
            }
        }
        try {
            flushMinutes();
            long now = settings.now();
            if (now - lastRetention >= RETENTION_EVERY) {
                rollUpHours(now);
                store.deleteOlderThan(RollupStore.Resolution.MINUTE, settings.retention1m());
                store.deleteOlderThan(RollupStore.Resolution.HOUR, settings.retention1h());
                deleteOldHourMarks();
                lastRetention = now;
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("stats rollup: %s (retrying)", e.getMessage());
        }
    }

    /**
     * Removes and returns the minutes that started more than {@link #MINUTE_RETRY} before
     * {@code nowMs}: by age, not by count (there is one entry per fleet and minute).
     */
    static List<MinuteSums> dropExpired(java.util.Collection<MinuteSums> unwritten, long nowMs) {
        List<MinuteSums> lost = new ArrayList<>();
        unwritten.removeIf(m -> {
            boolean old = m.minuteMs < nowMs - MINUTE_RETRY;
            if (old) {
                lost.add(m);
            }
            return old;
        });
        return lost;
    }

    /** Writes every finished minute (of every fleet) the aggregator has summed. Public for tests. */
    public synchronized void flushMinutes() throws SQLException {
        unwritten.addAll(aggregator.takeFinishedMinutes());
        while (!unwritten.isEmpty()) {
            MinuteSums minute = unwritten.peekFirst();
            store.write(RollupStore.Resolution.MINUTE, registry.replica(), minute.rows());
            unwritten.removeFirst();
        }
    }

    /** Rolls every finished hour not rolled up yet into stats_1h, once for the cluster. Public for tests. */
    public void rollUpHours(long nowMs) throws SQLException {
        long lastFinished = Math.floorDiv(nowMs - HOUR_GRACE, HOUR) * HOUR - HOUR;
        try (Connection c = store.connection()) {
            c.setAutoCommit(false);
            try {
                try (ResultSet rs = c.createStatement().executeQuery(
                        "SELECT pg_try_advisory_xact_lock(hashtext('pgfleet.stats.rollup'))")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        c.rollback();
                        return; // another replica is at it
                    }
                }
                List<Long> hours = new ArrayList<>();
                // Hours are rolled oldest first, and (HOUR_GRACE) no minute row of an hour comes
                // after its mark: only the minute rows after the newest marked hour can be
                // unrolled, so the scan starts there rather than at the whole of stats_1m.
                try (PreparedStatement s = c.prepareStatement("""
                        SELECT DISTINCT date_trunc('hour', bucket) AS h FROM stats_1m
                        WHERE bucket >= coalesce((SELECT max(hour) + interval '1 hour' FROM stats_rollup_hour), '-infinity')
                          AND bucket < ? AND date_trunc('hour', bucket) NOT IN (SELECT hour FROM stats_rollup_hour)
                        ORDER BY h LIMIT 24""")) {
                    s.setTimestamp(1, new Timestamp(lastFinished + HOUR));
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            hours.add(rs.getTimestamp(1).getTime());
                        }
                    }
                }
                for (long hour : hours) {
                    rollUpHour(c, hour);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private void rollUpHour(Connection c, long hour) throws SQLException {
        Map<String, Map<Dimension, Map<SeriesKey, Accumulator>>> sums = new LinkedHashMap<>();
        for (RollupRow row : store.readAll(RollupStore.Resolution.MINUTE, hour, hour + HOUR, c)) {
            sums.computeIfAbsent(row.fleet(), f -> new LinkedHashMap<>())
                    .computeIfAbsent(row.dimension(), d -> new LinkedHashMap<>())
                    .computeIfAbsent(SeriesKey.of(row), k -> row.dimension().accumulator()).add(row);
        }
        List<RollupRow> rows = new ArrayList<>();
        sums.forEach((fleet, byDimension) -> byDimension.forEach((d, series) ->
                series.forEach((key, acc) -> rows.add(key.row(hour, fleet, d, acc)))));
        store.writeIn(c, RollupStore.Resolution.HOUR, "all", rows);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO stats_rollup_hour (hour) VALUES (?) ON CONFLICT DO NOTHING")) {
            s.setTimestamp(1, new Timestamp(hour));
            s.executeUpdate();
        }
    }

    private void deleteOldHourMarks() throws SQLException {
        try (Connection c = store.connection();
             PreparedStatement s = c.prepareStatement("DELETE FROM stats_rollup_hour WHERE hour < now() - ?::interval")) {
            s.setString(1, settings.retention1m().toSeconds() + " seconds");
            s.executeUpdate();
        }
    }
}
