package io.pgfleet.controlplane.stats;

/**
 * One row of a rollup table: what one series did in one bucket (a minute or an hour).
 * {@code counters} follow the dimension's shape, {@code nodeCounters} NodeStats' (fleet and
 * node rows), {@code histograms} the pool histograms in schema order (compressed, null when
 * empty).
 */
record RollupRow(long bucketMs, String fleet, Dimension dimension, String node, String database, String user,
                 String applicationName, long[] counters, long[] nodeCounters, byte[][] histograms) {
}
