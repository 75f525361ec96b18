package io.pgfleet.dataplane.stats;

import io.pgfleet.dataplane.pool.PoolKey;

/**
 * Sees every latency a pool records, for a metrics library's own histograms (the node's
 * Prometheus endpoint). Called on the client's event loop: must be quick and not block.
 */
public interface LatencyObserver {
    LatencyObserver NONE = new LatencyObserver() {
    };

    /** The observer of one pool; NONE when nobody listens. */
    interface Factory {
        Factory NONE = key -> LatencyObserver.NONE;

        LatencyObserver forPool(PoolKey key);
    }

    default void query(long micros) {
    }

    default void transaction(long micros) {
    }

    default void waited(long micros) {
    }
}
