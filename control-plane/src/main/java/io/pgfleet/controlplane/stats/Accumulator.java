package io.pgfleet.controlplane.stats;

import org.HdrHistogram.Histogram;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums counters and merges histograms of one series over one window (a step of the answer or
 * the whole range), then turns them into totals, rates, averages and percentiles. Percentiles
 * are only ever taken from the merged histogram.
 */
final class Accumulator {
    /** Derived averages, PgBouncer's avg_* columns: (name, time counter, count counter). */
    private static final String[][] AVERAGES = {
            {"avg_xact_time_us", "xact_time_us", "xact_count"},
            {"avg_query_time_us", "query_time_us", "query_count"},
            {"avg_wait_time_us", "wait_time_us", "server_assignment_count"},
    };
    private static final double[] QUANTILES = {50, 95, 99};

    private final StatsSchema.Shape shape;
    private final boolean withNodeCounters;
    final long[] counters;
    final long[] nodeCounters;
    private final Histogram[] histograms;

    Accumulator(StatsSchema.Shape shape, boolean withNodeCounters) {
        this.shape = shape;
        this.withNodeCounters = withNodeCounters;
        this.counters = new long[shape.counterCount()];
        this.nodeCounters = withNodeCounters ? new long[StatsSchema.NODE.counterCount()] : null;
        this.histograms = new Histogram[shape.histogramCount()];
    }

    void addCounters(long[] c) {
        for (int i = 0; i < counters.length; i++) {
            counters[i] += c[i];
        }
    }

    void addNodeCounters(long[] c) {
        if (nodeCounters != null && c != null) {
            for (int i = 0; i < nodeCounters.length; i++) {
                nodeCounters[i] += c[i];
            }
        }
    }

    void addHistogram(int i, Histogram h) {
        if (h == null) {
            return;
        }
        if (histograms[i] == null) {
            histograms[i] = new Histogram(Cell.DIGITS);
        }
        histograms[i].add(h);
    }

    Histogram histogram(int i) {
        return histograms[i];
    }

    /** Histogram {@code i}, created empty when missing (to add encoded ones into). */
    Histogram liveHistogram(int i) {
        if (histograms[i] == null) {
            histograms[i] = new Histogram(Cell.DIGITS);
        }
        return histograms[i];
    }

    /** Adds a sealed cell. */
    void add(Cell cell) {
        addCounters(cell.counters);
        addNodeCounters(cell.nodeCounters);
        for (int i = 0; i < histograms.length; i++) {
            byte[] bytes = cell.compressed(i);
            if (bytes != null) {
                Cell.addEncoded(bytes, liveHistogram(i));
            }
        }
    }

    /** Adds a rollup row. */
    void add(RollupRow row) {
        addCounters(row.counters());
        addNodeCounters(row.nodeCounters());
        if (row.histograms() != null) {
            for (int i = 0; i < histograms.length && i < row.histograms().length; i++) {
                byte[] bytes = row.histograms()[i];
                if (bytes != null && bytes.length > 0) {
                    Cell.addEncoded(bytes, liveHistogram(i));
                }
            }
        }
    }

    byte[][] encodedHistograms() {
        byte[][] out = new byte[histograms.length][];
        for (int i = 0; i < histograms.length; i++) {
            out[i] = Cell.encode(histograms[i]);
        }
        return out;
    }

    StatsResult.Summary summary(double seconds, boolean includeHistograms) {
        Map<String, Long> totals = new LinkedHashMap<>();
        Map<String, Double> rates = new LinkedHashMap<>();
        for (int i = 0; i < counters.length; i++) {
            totals.put(shape.counterName(i), counters[i]);
            rates.put(shape.counterName(i), seconds > 0 ? counters[i] / seconds : 0);
        }
        if (withNodeCounters) {
            for (int i = 0; i < nodeCounters.length; i++) {
                totals.put(StatsSchema.NODE.counterName(i), nodeCounters[i]);
                rates.put(StatsSchema.NODE.counterName(i), seconds > 0 ? nodeCounters[i] / seconds : 0);
            }
        }
        Map<String, Double> averages = new LinkedHashMap<>();
        for (String[] avg : AVERAGES) {
            int time = shape.counterIndex(avg[1]);
            int count = shape.counterIndex(avg[2]);
            if (time >= 0 && count >= 0) {
                averages.put(avg[0], counters[count] == 0 ? 0 : counters[time] / (double) counters[count]);
            }
        }
        Map<String, StatsResult.Latency> latency = new LinkedHashMap<>();
        Map<String, String> encoded = includeHistograms ? new LinkedHashMap<>() : null;
        for (int i = 0; i < histograms.length; i++) {
            Histogram h = histograms[i];
            String name = shape.histogramName(i);
            if (h == null || h.getTotalCount() == 0) {
                latency.put(name, new StatsResult.Latency(0, 0, 0, 0, 0));
                if (encoded != null) {
                    encoded.put(name, "");
                }
                continue;
            }
            latency.put(name, new StatsResult.Latency(h.getTotalCount(), h.getValueAtPercentile(QUANTILES[0]),
                    h.getValueAtPercentile(QUANTILES[1]), h.getValueAtPercentile(QUANTILES[2]), h.getMaxValue()));
            if (encoded != null) {
                encoded.put(name, Base64.getEncoder().encodeToString(Cell.encode(h)));
            }
        }
        return new StatsResult.Summary(totals, rates, averages, latency, encoded);
    }
}
