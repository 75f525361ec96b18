package io.pgfleet.controlplane.stats;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Answers of the fleet stats API (REST JSON; gRPC maps the same records). */
public final class StatsResult {
    private StatsResult() {
    }

    /**
     * A range query: per series (the fleet, a node, a pool or a service) the totals over the
     * range and one point per step. {@code source} says where the numbers came from:
     * {@code memory} (this replica's nodes only), {@code rollup-1m} or {@code rollup-1h}
     * (every replica's rows). {@code nodes}: this replica's nodes of the fleet now, all of
     * them with {@code by=node}, otherwise only the stale ones.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Range(String fleet, String by, Instant from, Instant to, long stepSeconds, String source,
                        int nodesUp, int nodesStale, List<Series> series, List<NodeStatus> nodes) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Series(Map<String, String> key, Summary total, List<Point> points) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Point(Instant start, Summary stats) {
    }

    /**
     * Counter totals (sums of reset-safe deltas), rates per second, PgBouncer's averages
     * (microseconds), latency percentiles from merged histograms (microseconds) and, when
     * asked for, the merged histograms (base64 of HdrHistogram's compressed encoding).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Summary(Map<String, Long> totals, Map<String, Double> ratesPerSecond, Map<String, Double> averages,
                          Map<String, Latency> latencyUs, Map<String, String> histograms) {
    }

    public record Latency(long count, long p50, long p95, long p99, long max) {
    }

    /** A node of the fleet that this replica holds: up, or stale (no report for 3 intervals). */
    public record NodeStatus(String node, String status, Instant lastReport, String bootId, long configGeneration) {
    }

    /** The fleet-wide SHOW POOLS now: gauges summed (or maxed) over the nodes that are up, and per node. */
    public record Pools(String fleet, Instant at, List<NodeStatus> nodes, List<Pool> pools, List<Service> services,
                        Map<String, Long> nodeGauges) {
    }

    public record Pool(String database, String user, Map<String, Long> gauges, List<NodeGauges> nodes) {
    }

    public record Service(String database, String user, String applicationName, Map<String, Long> gauges,
                          List<NodeGauges> nodes) {
    }

    /** One node's gauges; {@code stale} nodes are listed but not counted in the fleet's values. */
    public record NodeGauges(String node, boolean stale, Map<String, Long> gauges) {
    }
}
