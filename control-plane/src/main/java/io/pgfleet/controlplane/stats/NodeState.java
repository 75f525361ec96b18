package io.pgfleet.controlplane.stats;

import java.util.HashMap;
import java.util.Map;

/**
 * What this replica remembers of one node between reports: the previous cumulative counters
 * of each series (for deltas) and the latest gauges (the "now" views). One sample per pool,
 * not a history. Guarded by the aggregator's lock.
 */
final class NodeState {
    final String nodeId;
    String fleet;
    String bootId;
    /** Receive time (control-plane clock, ms) of the latest report. */
    long lastReportMs;
    long configGeneration;
    /**
     * This replica's Sync session for the node ended after its latest report: the node may
     * have reported to another replica since. Its next report is a baseline when it carries
     * {@link #bootId} (the same process came back: what it counted meanwhile was another
     * replica's) and counts from 0 when it carries another boot id (a process started since).
     */
    boolean sessionEnded;
    long[] nodeCounters;
    long[] nodeGauges;
    Map<Keys.Pool, long[]> poolCounters = new HashMap<>();
    Map<Keys.Pool, long[]> poolGauges = new HashMap<>();
    Map<Keys.Service, long[]> serviceCounters = new HashMap<>();
    Map<Keys.Service, long[]> serviceGauges = new HashMap<>();

    NodeState(String nodeId) {
        this.nodeId = nodeId;
    }

    boolean stale(long nowMs, long staleAfterMs) {
        return nowMs - lastReportMs > staleAfterMs;
    }
}
