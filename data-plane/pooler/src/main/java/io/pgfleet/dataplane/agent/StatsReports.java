package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.dataplane.stats.LatencyRecorder;
import io.pgfleet.dataplane.stats.NodeCounters;
import io.pgfleet.dataplane.stats.PoolStats;
import io.pgfleet.dataplane.stats.ServiceCounters;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.PoolStats.Builder;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.StatsReport;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Builds the node's periodic StatsReport: cumulative counters (since this boot), gauges as
 * SHOW POOLS has them now, and the latency histograms recorded since the previous report.
 * Taking a report takes the histograms' intervals, so only the stats stream calls it.
 */
public final class StatsReports {
    private static final Logger LOG = Logger.getLogger(StatsReports.class);

    private final Pooler pooler;
    private final LongSupplier generation;

    public StatsReports(Pooler pooler, LongSupplier generation) {
        this.pooler = pooler;
        this.generation = generation;
    }

    public StatsReport next(String nodeId, String bootId) {
        NodeCounters counters = pooler.counters();
        StatsReport.Builder report = StatsReport.newBuilder()
                .setNodeId(nodeId)
                .setBootId(bootId)
                .setTimestampMs(System.currentTimeMillis())
                .setConfigGeneration(generation.getAsLong())
                .setNode(NodeStats.newBuilder()
                        .setClientConnections(counters.clientConnections())
                        .setServerConnections(counters.serverConnections())
                        .setClientsAcceptedTotal(counters.clientsAcceptedTotal())
                        .setLoginFailuresTotal(counters.loginFailuresTotal()));
        Map<PoolKey, Map<String, Integer>> clientsByApplication = clientsByApplication();
        for (PoolView pool : pooler.pools().views()) {
            report.addPools(poolStats(pool));
            addServices(report, pool, clientsByApplication.getOrDefault(pool.key(), Map.of()));
        }
        return report.build();
    }

    private static Builder poolStats(PoolView pool) {
        PoolStats.Totals t = pool.totals();
        PoolStats live = pool.stats();
        return io.pgfleet.proto.v1.PoolStats.newBuilder()
                .setDatabase(pool.key().database())
                .setUser(pool.key().user())
                .setXactCount(t.transactions())
                .setQueryCount(t.queries())
                .setBytesReceived(t.bytesReceived())
                .setBytesSent(t.bytesSent())
                .setXactTimeUs(t.transactionMicros())
                .setQueryTimeUs(t.queryMicros())
                .setWaitTimeUs(t.waitMicros())
                .setServerAssignmentCount(t.serverAssignments())
                .setClientParseCount(t.clientParses())
                .setServerParseCount(t.serverParses())
                .setBindCount(t.binds())
                .setClActive(pool.clients() - pool.waiting())
                .setClWaiting(pool.waiting())
                .setSvActive(pool.active())
                .setSvIdle(pool.idle())
                .setSvLogin(pool.connecting())
                .setMaxwaitUs(pool.maxWaitNanos() / 1000)
                .setPoolSize(pool.poolSize())
                .setPinnedClients(pool.pinnedClients())
                .setQueryLatencyUs(bytes(live.queryLatency()))
                .setXactLatencyUs(bytes(live.transactionLatency()))
                .setWaitLatencyUs(bytes(live.waitLatency()));
    }

    private static com.google.protobuf.ByteString bytes(LatencyRecorder recorder) {
        return com.google.protobuf.ByteString.copyFrom(LatencyRecorder.encode(recorder.takeInterval()));
    }

    private static void addServices(StatsReport.Builder report, PoolView pool, Map<String, Integer> clients) {
        Map<String, ServiceCounters.Counts> counts = pool.stats().services().snapshot();
        Map<String, Boolean> names = new java.util.TreeMap<>();
        counts.keySet().forEach(n -> names.put(n, true));
        clients.keySet().forEach(n -> names.put(n, true));
        for (String name : names.keySet()) {
            ServiceCounters.Counts c = counts.getOrDefault(name, new ServiceCounters.Counts(0, 0));
            report.addServices(ServiceStats.newBuilder()
                    .setDatabase(pool.key().database())
                    .setUser(pool.key().user())
                    .setApplicationName(name)
                    .setClients(clients.getOrDefault(name, 0))
                    .setXactCount(c.transactions())
                    .setXactTimeUs(c.transactionMicros()));
        }
    }

    /** Logged-in clients per pool and application_name, read on their event loops. */
    private Map<PoolKey, Map<String, Integer>> clientsByApplication() {
        List<ClientView> clients;
        try {
            clients = pooler.clients().views().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debugf("client counts skipped in this report: %s", e.toString());
            return Map.of();
        }
        Map<PoolKey, Map<String, Integer>> counts = new HashMap<>();
        for (ClientView c : clients) {
            String name = c.applicationName() == null ? "" : c.applicationName();
            Map<String, Integer> byName = counts.computeIfAbsent(new PoolKey(c.database(), c.user()), k -> new HashMap<>());
            if (byName.size() >= ServiceCounters.MAX_NAMES && !byName.containsKey(name)) {
                name = ServiceCounters.OTHER;
            }
            byName.merge(name, 1, Integer::sum);
        }
        return counts;
    }
}
