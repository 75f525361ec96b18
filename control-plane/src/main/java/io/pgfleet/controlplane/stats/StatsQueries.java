package io.pgfleet.controlplane.stats;

import io.pgfleet.controlplane.fleet.NotFoundException;
import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.nodes.NodeRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.HdrHistogram.Histogram;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet-wide SHOW STATS over a range (from memory or the rollups) and SHOW POOLS now.
 * Shared by REST and gRPC; refusals are {@link ValidationException} (400) and
 * {@link NotFoundException} (404).
 */
@ApplicationScoped
public class StatsQueries {
    @Inject
    FleetStatsAggregator aggregator;
    @Inject
    RollupStore rollups;
    @Inject
    StatsSettings settings;
    @Inject
    DataSource db;

    /** A range query; null times and step take their defaults. */
    public record RangeQuery(String fleet, String by, Long fromMs, Long toMs, Long stepMs, boolean histograms, String source) {
    }

    public StatsResult.Range range(RangeQuery q) {
        requireFleet(q.fleet());
        Dimension by = Dimension.parse(q.by());
        long interval = settings.intervalMs();
        long now = settings.now();
        String source = q.source() == null || q.source().isBlank() ? "auto" : q.source().strip().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "memory", "1m", "1h").contains(source)) {
            throw new ValidationException("source must be one of auto, memory, 1m, 1h; got \"" + q.source() + "\"");
        }
        long to = q.toMs() != null ? q.toMs() : now;
        long from = q.fromMs() != null ? q.fromMs() : to - 15 * RollupWriter.MINUTE;
        if (from >= to) {
            throw new ValidationException("from must be before to");
        }
        long step = q.stepMs() != null ? q.stepMs() : defaultStep(to - from, interval);
        if (source.equals("auto")) {
            long memoryStart = now - settings.historyMs();
            source = from >= memoryStart ? "memory" : (from >= now - settings.retention1m().toMillis() ? "1m" : "1h");
            if (!source.equals("memory") && step % RollupWriter.MINUTE != 0) {
                throw new ValidationException("the range starts before the in-memory history (" + Instant.ofEpochMilli(memoryStart)
                        + "); its step must be a whole number of minutes");
            }
            if (source.equals("1h") && step % RollupWriter.HOUR != 0) {
                throw new ValidationException("the range starts before the 1-minute rollups' retention; its step must be a whole number of hours");
            }
        }
        long resolution = switch (source) {
            case "memory" -> interval;
            case "1m" -> RollupWriter.MINUTE;
            default -> RollupWriter.HOUR;
        };
        if (step < resolution) {
            throw new ValidationException("step must be at least " + seconds(resolution) + " s for source " + source);
        }
        if (step % resolution != 0) {
            throw new ValidationException("step must be a multiple of " + seconds(resolution) + " s for source " + source);
        }
        from = Math.floorDiv(from, step) * step;
        to = Math.floorDiv(to + step - 1, step) * step;
        long windows = (to - from) / step;
        if (windows > settings.maxPoints()) {
            throw new ValidationException(tooManyPoints(windows + " steps", settings.maxPoints()));
        }

        // Steps (memory) and rows (rollups) arrive oldest first: each window of the answer is
        // summarized as soon as the next one starts, so only one window's histograms are live
        // (and each series' total). Points (series × windows) are counted as they appear.
        Windows w = new Windows(by, from, step, settings.maxPoints());
        if (source.equals("memory")) {
            for (Step st : aggregator.sealedSteps(q.fleet(), from, to)) {
                long window = from + Math.floorDiv(st.startMs - from, step) * step;
                StepCells.forEach(st, by, (key, cell) -> w.at(key, window, (total, point) -> addCell(total, point, cell)));
            }
        } else {
            RollupStore.Resolution res = source.equals("1m") ? RollupStore.Resolution.MINUTE : RollupStore.Resolution.HOUR;
            long f = from;
            long s = step;
            try {
                rollups.read(res, q.fleet(), by, from, to, row -> {
                    long window = f + Math.floorDiv(row.bucketMs() - f, s) * s;
                    w.at(SeriesKey.of(row), window, (total, point) -> addRow(total, point, row));
                });
            } catch (SQLException e) {
                throw new IllegalStateException("reading the stats rollups failed: " + e.getMessage(), e);
            }
        }
        w.closeWindow();
        Map<SeriesKey, Accumulator> totals = w.totals;
        if (by == Dimension.FLEET && totals.isEmpty()) {
            totals.put(SeriesKey.FLEET, by.accumulator());
        }
        double rangeSeconds = (to - from) / 1000.0;
        List<StatsResult.Series> series = new ArrayList<>();
        totals.forEach((key, total) -> {
            List<StatsResult.Point> pts = w.points.getOrDefault(key, new ArrayList<>());
            pts.sort(java.util.Comparator.comparing(StatsResult.Point::start));
            series.add(new StatsResult.Series(key.view(by), total.summary(rangeSeconds, q.histograms()), pts));
        });
        series.sort(java.util.Comparator.comparing(x -> x.key().toString()));
        List<StatsResult.NodeStatus> nodes = aggregator.statuses(q.fleet());
        int stale = (int) nodes.stream().filter(n -> n.status().equals("stale")).count();
        return new StatsResult.Range(q.fleet(), by.id(), Instant.ofEpochMilli(from), Instant.ofEpochMilli(to), step / 1000,
                source.equals("memory") ? "memory" : "rollup-" + source, nodes.size() - stale, stale, series,
                by == Dimension.NODE ? nodes : nodes.stream().filter(n -> n.status().equals("stale")).toList());
    }

    private static String tooManyPoints(String what, int max) {
        return "from, to and step make " + what + "; at most " + max + " points (series × steps) per query: narrow it with a larger"
                + " step, a shorter range, or by=fleet";
    }

    /**
     * The windows of a range answer as its steps or rows arrive, oldest first: the open
     * window's accumulators per series, the summarized points of the windows before it, and
     * the per-series totals. Refuses ({@link ValidationException}) once the points (series ×
     * windows) pass the limit.
     */
    private static final class Windows {
        final Dimension by;
        final double stepSeconds;
        final int maxPoints;
        final Map<SeriesKey, Accumulator> totals = new LinkedHashMap<>();
        final Map<SeriesKey, List<StatsResult.Point>> points = new HashMap<>();
        Map<SeriesKey, Accumulator> open = new HashMap<>();
        long window = Long.MIN_VALUE;
        long count;

        Windows(Dimension by, long from, long step, int maxPoints) {
            this.by = by;
            this.stepSeconds = step / 1000.0;
            this.maxPoints = maxPoints;
        }

        void at(SeriesKey key, long w, java.util.function.BiConsumer<Accumulator, Accumulator> add) {
            if (w != window) {
                closeWindow();
                window = w;
            }
            Accumulator point = open.get(key);
            if (point == null) {
                if (++count > maxPoints) {
                    throw new ValidationException(tooManyPoints("more than " + maxPoints + " points (" + totals.size()
                            + "+ series so far)", maxPoints));
                }
                point = by.accumulator();
                open.put(key, point);
            }
            add.accept(totals.computeIfAbsent(key, k -> by.accumulator()), point);
        }

        /** Summarizes the open window and lets its histograms go. */
        void closeWindow() {
            if (open.isEmpty()) {
                return;
            }
            Instant t = Instant.ofEpochMilli(window);
            open.forEach((key, a) -> points.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new StatsResult.Point(t, a.summary(stepSeconds, false))));
            open = new HashMap<>();
        }
    }

    private static void addCell(Accumulator total, Accumulator point, Cell cell) {
        total.addCounters(cell.counters);
        total.addNodeCounters(cell.nodeCounters);
        point.addCounters(cell.counters);
        point.addNodeCounters(cell.nodeCounters);
        for (int i = 0; i < StatsSchema.POOL.histogramCount() && cell.hasHistograms(); i++) {
            Cell.addEncoded(cell.compressed(i), total.liveHistogram(i), point.liveHistogram(i));
        }
    }

    private static void addRow(Accumulator total, Accumulator point, RollupRow row) {
        total.addCounters(row.counters());
        total.addNodeCounters(row.nodeCounters());
        point.addCounters(row.counters());
        point.addNodeCounters(row.nodeCounters());
        if (row.histograms() != null) {
            for (int i = 0; i < row.histograms().length; i++) {
                Cell.addEncoded(row.histograms()[i], total.liveHistogram(i), point.liveHistogram(i));
            }
        }
    }

    private static long defaultStep(long range, long interval) {
        long step = interval;
        while (range / step > 360) {
            step *= 6;
        }
        return step;
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    /** The fleet's SHOW POOLS now, from the latest report of each node this replica holds. */
    public StatsResult.Pools pools(String fleet, String nodeOrNull) {
        requireFleet(fleet);
        List<FleetStatsAggregator.NodeSample> samples = aggregator.latest(fleet);
        if (nodeOrNull != null && !nodeOrNull.isBlank()) {
            samples = samples.stream().filter(n -> n.nodeId().equals(nodeOrNull)).toList();
        }
        StatsSchema.Shape pool = StatsSchema.POOL;
        StatsSchema.Shape service = StatsSchema.SERVICE;
        Map<Keys.Pool, long[]> poolSums = new TreeMap<>(java.util.Comparator.comparing(Keys.Pool::database).thenComparing(Keys.Pool::user));
        Map<Keys.Pool, List<StatsResult.NodeGauges>> poolNodes = new HashMap<>();
        Map<Keys.Service, long[]> serviceSums = new TreeMap<>(java.util.Comparator.comparing(Keys.Service::database)
                .thenComparing(Keys.Service::user).thenComparing(Keys.Service::applicationName));
        Map<Keys.Service, List<StatsResult.NodeGauges>> serviceNodes = new HashMap<>();
        long[] nodeSums = new long[StatsSchema.NODE.gaugeCount()];
        for (FleetStatsAggregator.NodeSample n : samples) {
            if (!n.stale()) {
                combine(StatsSchema.NODE, nodeSums, n.nodeGauges());
            }
            n.poolGauges().forEach((key, g) -> {
                long[] sum = poolSums.computeIfAbsent(key, k -> new long[pool.gaugeCount()]);
                if (!n.stale()) {
                    combine(pool, sum, g);
                }
                poolNodes.computeIfAbsent(key, k -> new ArrayList<>()).add(new StatsResult.NodeGauges(n.nodeId(), n.stale(), named(pool, g)));
            });
            n.serviceGauges().forEach((key, g) -> {
                long[] sum = serviceSums.computeIfAbsent(key, k -> new long[service.gaugeCount()]);
                if (!n.stale()) {
                    combine(service, sum, g);
                }
                serviceNodes.computeIfAbsent(key, k -> new ArrayList<>()).add(new StatsResult.NodeGauges(n.nodeId(), n.stale(), named(service, g)));
            });
        }
        List<StatsResult.Pool> pools = new ArrayList<>();
        poolSums.forEach((k, g) -> pools.add(new StatsResult.Pool(k.database(), k.user(), named(pool, g), poolNodes.get(k))));
        List<StatsResult.Service> services = new ArrayList<>();
        serviceSums.forEach((k, g) -> services.add(new StatsResult.Service(k.database(), k.user(), k.applicationName(),
                named(service, g), serviceNodes.get(k))));
        return new StatsResult.Pools(fleet, Instant.ofEpochMilli(settings.now()), statuses(samples), pools, services,
                named(StatsSchema.NODE, nodeSums));
    }

    /** Sum or maximum per gauge, as the contract declares. */
    static void combine(StatsSchema.Shape shape, long[] into, long[] gauges) {
        if (gauges == null) {
            return;
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = shape.gaugeIsMax(i) ? Math.max(into[i], gauges[i]) : into[i] + gauges[i];
        }
    }

    private static Map<String, Long> named(StatsSchema.Shape shape, long[] gauges) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < shape.gaugeCount(); i++) {
            out.put(shape.gaugeName(i), gauges == null ? 0 : gauges[i]);
        }
        return out;
    }

    private static List<StatsResult.NodeStatus> statuses(List<FleetStatsAggregator.NodeSample> samples) {
        return samples.stream().map(n -> new StatsResult.NodeStatus(n.nodeId(), n.stale() ? "stale" : "up",
                Instant.ofEpochMilli(n.lastReportMs()), n.bootId(), n.configGeneration())).toList();
    }

    /** Fleets seen to exist, and when (a dashboard polling every second need not ask PostgreSQL each time). */
    private final Map<String, Long> knownFleets = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long KNOWN_FLEET_MS = 5_000;

    private void requireFleet(String fleet) {
        if (fleet == null || fleet.isBlank()) {
            throw new NotFoundException("fleet \"\" does not exist");
        }
        Long seen = knownFleets.get(fleet);
        if (seen != null && System.currentTimeMillis() - seen < KNOWN_FLEET_MS) {
            return;
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM desired_resource WHERE fleet = ? AND kind = 'fleet' AND name = ?")) {
            s.setString(1, fleet);
            s.setString(2, fleet);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    knownFleets.remove(fleet);
                    throw new NotFoundException("fleet \"" + fleet + "\" does not exist");
                }
                if (knownFleets.size() > 10_000) {
                    knownFleets.clear();
                }
                knownFleets.put(fleet, System.currentTimeMillis());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("looking up fleet failed: " + e.getMessage(), e);
        }
    }
}
