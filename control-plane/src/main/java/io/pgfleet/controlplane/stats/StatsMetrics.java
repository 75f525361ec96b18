package io.pgfleet.controlplane.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The fleet aggregates on the control plane's own Prometheus endpoint ({@code /q/metrics}).
 * Names come from the contract's field names: {@code pgfleet_fleet_<field>} for gauges,
 * {@code pgfleet_fleet_<field>_total} for counters (sums of reset-safe deltas since this
 * replica started, so monotonic), {@code _us} becoming {@code _seconds} with the value
 * converted. Labels: fleet, and database and user for pool numbers; no node or
 * application_name label, so the series count is bounded by the fleets' pools.
 * Values are computed at most once a second per fleet, whatever the scrape rate.
 */
@ApplicationScoped
public class StatsMetrics {
    static final String PREFIX = "pgfleet_fleet_";
    private static final double[] QUANTILES = {0.5, 0.95, 0.99};
    private static final long CACHE_MS = 1000;

    @Inject
    MeterRegistry registry;
    @Inject
    FleetStatsAggregator aggregator;
    @Inject
    StatsSettings settings;

    private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

    void start(@Observes StartupEvent event) {
        aggregator.onNewFleet(this::registerFleet);
        aggregator.onNewPool(this::registerPool);
        Gauge.builder(PREFIX + "reports_dropped", aggregator, FleetStatsAggregator::reportsDropped)
                .description("stats reports dropped because the stats thread fell behind").register(registry);
    }

    /** A metric name from a field name: prefix, {@code _us} → {@code _seconds}, without a trailing {@code _total}. */
    static String name(String field) {
        String n = field.endsWith("_us") ? field.substring(0, field.length() - 3) + "_seconds" : field;
        n = n.replace("_us_", "_seconds_");
        if (n.endsWith("_total")) {
            n = n.substring(0, n.length() - "_total".length());
        }
        return PREFIX + n;
    }

    /** The divisor that turns the field's unit into the metric's (µs → s). */
    static double scale(String field) {
        return field.endsWith("_us") ? 1e6 : 1;
    }

    private void registerFleet(String fleet) {
        Tags tags = Tags.of("fleet", fleet);
        for (String status : List.of("up", "stale")) {
            Gauge.builder(PREFIX + "nodes", () -> {
                Snapshot s = snapshot(fleet);
                return status.equals("up") ? s.gauges.up() : s.gauges.stale();
            }).tags(tags.and("status", status)).description("nodes held by this replica, by whether they report").register(registry);
        }
        StatsSchema.Shape node = StatsSchema.NODE;
        for (int i = 0; i < node.gaugeCount(); i++) {
            int index = i;
            String field = node.gaugeName(i);
            Gauge.builder(name(field), () -> snapshot(fleet).gauges.node()[index] / scale(field)).tags(tags).register(registry);
        }
        for (int i = 0; i < node.counterCount(); i++) {
            int index = i;
            String field = node.counterName(i);
            FunctionCounter.builder(name(field), this, m -> m.snapshot(fleet).nodeCounters[index] / scale(field)).tags(tags)
                    .register(registry);
        }
        StatsSchema.Shape pool = StatsSchema.POOL;
        for (int h = 0; h < pool.histogramCount(); h++) {
            int index = h;
            String metric = name(pool.histograms.get(h).getName());
            for (double q : QUANTILES) {
                Gauge.builder(metric, () -> snapshot(fleet).quantile(index, q) / 1e6).tags(tags.and("quantile", Double.toString(q)))
                        .description("over the last minute of sealed steps, from the merged histograms").register(registry);
            }
        }
    }

    private void registerPool(String fleet, Keys.Pool key) {
        Tags tags = Tags.of("fleet", fleet, "database", key.database(), "user", key.user());
        StatsSchema.Shape pool = StatsSchema.POOL;
        for (int i = 0; i < pool.gaugeCount(); i++) {
            int index = i;
            String field = pool.gaugeName(i);
            Gauge.builder(name(field), () -> {
                long[] g = snapshot(fleet).gauges.pools().get(key);
                return g == null ? 0 : g[index] / scale(field);
            }).tags(tags).register(registry);
        }
        for (int i = 0; i < pool.counterCount(); i++) {
            int index = i;
            String field = pool.counterName(i);
            FunctionCounter.builder(name(field), this, m -> {
                long[] c = m.snapshot(fleet).poolCounters.get(key);
                return c == null ? 0 : c[index] / scale(field);
            }).tags(tags).register(registry);
        }
    }

    private Snapshot snapshot(String fleet) {
        long now = System.currentTimeMillis();
        Snapshot s = snapshots.get(fleet);
        if (s == null || now - s.at >= CACHE_MS) {
            s = new Snapshot(now, aggregator.gaugeSums(fleet), aggregator.cumulative(fleet), aggregator.cumulativeNode(fleet),
                    () -> lastMinute(fleet));
            snapshots.put(fleet, s);
        }
        return s;
    }

    /** The fleet's histograms over the last minute of sealed steps. */
    private Histogram[] lastMinute(String fleet) {
        long until = aggregator.sealedUntilMs(fleet);
        Accumulator acc = Dimension.FLEET.accumulator();
        for (Step step : aggregator.sealedSteps(fleet, until - 60_000, until)) {
            acc.add(step.total);
        }
        Histogram[] out = new Histogram[StatsSchema.POOL.histogramCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = acc.histogram(i);
        }
        return out;
    }

    private static final class Snapshot {
        final long at;
        final FleetStatsAggregator.GaugeSums gauges;
        final Map<Keys.Pool, long[]> poolCounters;
        final long[] nodeCounters;
        private final Supplier<Histogram[]> histogramSource;
        private Histogram[] histograms;

        Snapshot(long at, FleetStatsAggregator.GaugeSums gauges, Map<Keys.Pool, long[]> poolCounters, long[] nodeCounters,
                 Supplier<Histogram[]> histograms) {
            this.at = at;
            this.gauges = gauges;
            this.poolCounters = poolCounters;
            this.nodeCounters = nodeCounters;
            this.histogramSource = histograms;
        }

        synchronized double quantile(int i, double q) {
            if (histograms == null) {
                histograms = histogramSource.get();
            }
            Histogram h = histograms[i];
            return h == null || h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(q * 100);
        }
    }
}
