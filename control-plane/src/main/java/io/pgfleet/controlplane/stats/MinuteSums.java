package io.pgfleet.controlplane.stats;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One fleet's minute, summed step by step as the steps are sealed (while their histograms
 * are still live, so nothing is decoded again), for the 1-minute rollup.
 */
final class MinuteSums {
    final String fleet;
    final long minuteMs;
    private final Map<Dimension, Map<SeriesKey, Accumulator>> sums = new EnumMap<>(Dimension.class);

    MinuteSums(String fleet, long minuteMs) {
        this.fleet = fleet;
        this.minuteMs = minuteMs;
    }

    void add(Dimension d, SeriesKey key, Cell openCell) {
        openCell.addOpenTo(sums.computeIfAbsent(d, x -> new LinkedHashMap<>()).computeIfAbsent(key, k -> d.accumulator()));
    }

    /** The rollup rows (histograms encoded here). */
    List<RollupRow> rows() {
        List<RollupRow> rows = new ArrayList<>();
        sums.forEach((d, series) -> series.forEach((key, acc) -> rows.add(key.row(minuteMs, fleet, d, acc))));
        return rows;
    }
}
