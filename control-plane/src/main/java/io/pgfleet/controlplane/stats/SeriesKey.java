package io.pgfleet.controlplane.stats;

/** A series of one dimension: unused parts are "". */
record SeriesKey(String node, String database, String user, String applicationName) {
    static final SeriesKey FLEET = new SeriesKey("", "", "", "");

    static SeriesKey of(RollupRow row) {
        return switch (row.dimension()) {
            case FLEET -> FLEET;
            case NODE -> new SeriesKey(row.node(), "", "", "");
            case POOL -> new SeriesKey("", row.database(), row.user(), "");
            case SERVICE -> new SeriesKey("", row.database(), row.user(), row.applicationName());
        };
    }

    java.util.Map<String, String> view(Dimension d) {
        return Dimension.key(d, node, database, user, applicationName);
    }

    RollupRow row(long bucketMs, String fleet, Dimension d, Accumulator acc) {
        return new RollupRow(bucketMs, fleet, d, node, database, user, applicationName, acc.counters, acc.nodeCounters,
                d.shape.histogramCount() > 0 ? acc.encodedHistograms() : null);
    }
}
