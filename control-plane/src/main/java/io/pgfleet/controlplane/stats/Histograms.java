package io.pgfleet.controlplane.stats;

import io.pgfleet.proto.v1.PoolStats;
import org.HdrHistogram.Histogram;

/** Decoding a pool's histogram fields, once per report, before anything is merged. */
final class Histograms {
    private Histograms() {
    }

    /** The pool's histograms in schema order; an entry is null when the node had no samples. */
    static Histogram[] of(PoolStats pool) {
        int n = StatsSchema.POOL.histogramCount();
        Histogram[] out = new Histogram[n];
        for (int i = 0; i < n; i++) {
            com.google.protobuf.ByteString bytes = StatsSchema.POOL.histogram(pool, i);
            if (!bytes.isEmpty()) {
                out[i] = Cell.decode(bytes.toByteArray());
            }
        }
        return out;
    }
}
