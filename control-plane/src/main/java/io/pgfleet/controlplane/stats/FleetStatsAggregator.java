package io.pgfleet.controlplane.stats;

import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.PoolStats;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.StatsReport;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.HdrHistogram.Histogram;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The fleet-wide aggregation of the nodes' stats reports held by this replica.
 *
 * <p>All changes happen on one thread ({@code pgfleet-stats}): reports are taken off the gRPC
 * event loop onto it, and so are sealing steps and dropping old ones, so ingest needs no
 * ordering between threads. Queries take the same monitor only to copy what they read (the
 * list of sealed steps, the latest samples); sealed steps never change.
 *
 * <p>Memory: per node one sample per pool and service (previous counters and latest gauges);
 * per fleet and step (the report interval) one cell per pool, per node and per service plus
 * the fleet's total, histograms compressed once a step is sealed. Node cells drop their
 * histograms after {@code pgfleet.stats.node-histogram-history}. See docs/fleet-stats.md.
 */
@ApplicationScoped
public class FleetStatsAggregator {
    private static final Logger LOG = Logger.getLogger(FleetStatsAggregator.class);
    private static final int STALE_INTERVALS = 3;

    @Inject
    StatsSettings settings;

    private final Map<String, NodeState> nodes = new HashMap<>();
    private final Map<String, ArrayDeque<Step>> history = new HashMap<>();
    /** Since this replica started: per fleet and pool, the sums of counter deltas (Prometheus counters). */
    private final Map<String, Map<Keys.Pool, long[]>> cumulativePools = new HashMap<>();
    private final Map<String, long[]> cumulativeNode = new HashMap<>();
    private final List<Consumer<String>> newFleetListeners = new ArrayList<>();
    private final List<NewPoolListener> newPoolListeners = new ArrayList<>();
    /** Per fleet: the minutes being summed for the rollups, oldest first. */
    private final Map<String, ArrayDeque<MinuteSums>> minutes = new HashMap<>();
    /** Finished minutes for the rollup writer. */
    private final java.util.concurrent.BlockingQueue<MinuteSums> finishedMinutes = new java.util.concurrent.LinkedBlockingQueue<>();
    private ThreadPoolExecutor worker;
    private java.util.concurrent.ScheduledExecutorService timer;
    private long reportsDropped;
    /** Histograms of reports that could not be decoded (skipped; the rest of their report was taken). */
    private long histogramsRejected;

    /** Told (on the stats thread) when a fleet's pool first shows up. */
    public interface NewPoolListener {
        void newPool(String fleet, Keys.Pool pool);
    }

    @PostConstruct
    void start() {
        worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.queueCapacity()), r -> {
            Thread t = new Thread(r, "pgfleet-stats");
            t.setDaemon(true);
            return t;
        });
        timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgfleet-stats-timer");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(100, Math.min(1000, settings.intervalMs() / 4));
        timer.scheduleAtFixedRate(() -> submit(() -> maintain(settings.now())), tick, tick, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
        worker.shutdownNow();
    }

    public synchronized void onNewFleet(Consumer<String> listener) {
        newFleetListeners.add(listener);
    }

    public synchronized void onNewPool(NewPoolListener listener) {
        newPoolListeners.add(listener);
    }

    /** Takes a report of a node of {@code fleet} (held by this replica) for aggregation; never blocks. */
    public void accept(String fleet, StatsReport report) {
        submit(() -> ingest(fleet, report, settings.now()));
    }

    private void submit(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.warnf("stats: %s", e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                reportsDropped++;
            }
        }
    }

    /** Runs {@code task} on the stats thread and waits for it (tests and the rollup writer). */
    public void onStatsThread(Runnable task) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        worker.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        done.join();
    }

    // ------------------------------------------------------------------------------ ingest

    /** Adds one report at receive time {@code nowMs}. Package-private for unit tests (call on one thread). */
    void ingest(String fleet, StatsReport report, long nowMs) {
        List<PoolStats> pools = report.getPoolsList();
        StatsSchema.Shape poolShape = StatsSchema.POOL;
        StatsSchema.Shape nodeShape = StatsSchema.NODE;
        StatsSchema.Shape serviceShape = StatsSchema.SERVICE;
        List<Runnable> announcements = new ArrayList<>();
        synchronized (this) {
            NodeState state = nodes.get(report.getNodeId());
            boolean baseline = state == null || !fleet.equals(state.fleet);
            if (state == null) {
                state = new NodeState(report.getNodeId());
                nodes.put(state.nodeId, state);
            }
            boolean reset = !baseline && !report.getBootId().equals(state.bootId);
            if (!baseline && state.sessionEnded && !reset) {
                // The same boot is back after this replica's session for it ended: meanwhile it
                // may have reported to another replica, which counted those deltas.
                baseline = true;
            }
            state.sessionEnded = false;
            if (reset || baseline) {
                state.poolCounters.clear();
                state.serviceCounters.clear();
                state.nodeCounters = null;
            }
            Step step = stepFor(fleet, nowMs, announcements);
            Cell nodeCell = step.node(state.nodeId);
            Map<Keys.Pool, long[]> cumulative = cumulativePools.get(fleet);

            NodeStats node = report.getNode();
            long[] nodeNow = new long[nodeShape.counterCount()];
            nodeShape.readCounters(node, nodeNow);
            if (!baseline) {
                long[] d = new long[nodeNow.length];
                ResetSafeDeltas.deltas(state.nodeCounters, nodeNow, reset, d);
                nodeCell.addNodeCounters(d);
                add(cumulativeNode.computeIfAbsent(fleet, f -> new long[nodeNow.length]), d);
            }
            state.nodeCounters = nodeNow;
            long[] nodeGauges = new long[nodeShape.gaugeCount()];
            nodeShape.readGauges(node, nodeGauges);
            state.nodeGauges = nodeGauges;

            Map<Keys.Pool, long[]> poolGauges = new HashMap<>();
            long[] deltas = new long[poolShape.counterCount()];
            for (int i = 0; i < pools.size(); i++) {
                PoolStats pool = pools.get(i);
                Keys.Pool key = new Keys.Pool(pool.getDatabase(), pool.getUser());
                long[] now = new long[poolShape.counterCount()];
                poolShape.readCounters(pool, now);
                long[] gauges = new long[poolShape.gaugeCount()];
                poolShape.readGauges(pool, gauges);
                poolGauges.put(key, gauges);
                long[] previous = state.poolCounters.put(key, now);
                if (cumulative == null || !cumulative.containsKey(key)) {
                    Map<Keys.Pool, long[]> c = cumulativePools.computeIfAbsent(fleet, f -> new HashMap<>());
                    c.put(key, new long[poolShape.counterCount()]);
                    cumulative = c;
                    for (NewPoolListener l : newPoolListeners) {
                        announcements.add(() -> l.newPool(fleet, key));
                    }
                }
                if (baseline) {
                    continue;
                }
                // A pool new within a boot this replica knows started counting at 0.
                ResetSafeDeltas.deltas(previous, now, false, deltas);
                Cell poolCell = step.pool(key);
                poolCell.addCounters(deltas);
                nodeCell.addCounters(deltas);
                add(cumulative.get(key), deltas);
                for (int h = 0; h < poolShape.histogramCount(); h++) {
                    com.google.protobuf.ByteString bytes = poolShape.histogram(pool, h);
                    if (!bytes.isEmpty()) {
                        try {
                            Cell.addEncoded(bytes, poolCell.liveHistogram(h), nodeCell.liveHistogram(h));
                        } catch (IllegalArgumentException e) {
                            // Only this histogram is skipped: the rest of the report, and the node's
                            // boot id and readings, still apply (else its next report would count again).
                            histogramsRejected++;
                            LOG.debugf("stats: node %s, pool %s/%s: histogram %s skipped: %s", state.nodeId, key.database(),
                                    key.user(), poolShape.histogramName(h), e.getMessage());
                        }
                    }
                }
            }
            state.poolGauges = poolGauges;

            Map<Keys.Service, long[]> serviceGauges = new HashMap<>();
            for (ServiceStats service : report.getServicesList()) {
                Keys.Service key = new Keys.Service(service.getDatabase(), service.getUser(), service.getApplicationName());
                long[] now = new long[serviceShape.counterCount()];
                serviceShape.readCounters(service, now);
                long[] gauges = new long[serviceShape.gaugeCount()];
                serviceShape.readGauges(service, gauges);
                serviceGauges.put(key, gauges);
                long[] previous = state.serviceCounters.put(key, now);
                if (!baseline) {
                    long[] d = new long[now.length];
                    ResetSafeDeltas.deltas(previous, now, false, d);
                    step.service(key).addCounters(d);
                }
            }
            state.serviceGauges = serviceGauges;
            state.bootId = report.getBootId();
            state.fleet = fleet;
            state.lastReportMs = nowMs;
            state.configGeneration = report.getConfigGeneration();
            step.reports++;
        }
        announcements.forEach(Runnable::run);
    }

    /**
     * This replica's Sync session for a node ended (closed, superseded, or its token
     * changed): its next report is not compared with the previous one when it carries the
     * same boot id (see {@link NodeState#sessionEnded}). The node's recorded steps stay. Goes
     * through the stats thread's queue, after the reports taken before it; when the queue is
     * full, set at once.
     */
    void sessionEnded(@jakarta.enterprise.event.Observes io.pgfleet.controlplane.nodes.SyncSessionEnded ended) {
        Runnable mark = () -> markSessionEnded(ended.nodeId());
        try {
            worker.execute(mark);
        } catch (RejectedExecutionException e) {
            mark.run();
        }
    }

    /** Package-private for unit tests. */
    synchronized void markSessionEnded(String nodeId) {
        NodeState state = nodes.get(nodeId);
        if (state != null) {
            state.sessionEnded = true;
        }
    }

    private static void add(long[] into, long[] deltas) {
        for (int i = 0; i < deltas.length; i++) {
            into[i] += deltas[i];
        }
    }

    /** The open step of {@code fleet} that holds {@code nowMs}. Under the monitor. */
    private Step stepFor(String fleet, long nowMs, List<Runnable> announcements) {
        long interval = settings.intervalMs();
        long start = Math.floorDiv(nowMs, interval) * interval;
        ArrayDeque<Step> steps = history.get(fleet);
        if (steps == null) {
            steps = new ArrayDeque<>();
            history.put(fleet, steps);
            for (Consumer<String> l : newFleetListeners) {
                announcements.add(() -> l.accept(fleet));
            }
        }
        Step last = steps.peekLast();
        if (last != null && last.startMs >= start && !last.sealed) {
            return last; // also when the clock stepped back: never into a sealed step
        }
        Step step = new Step(fleet, Math.max(start, last == null ? start : last.startMs + interval));
        steps.addLast(step);
        return step;
    }

    static final long MINUTE_MS = 60_000;

    private MinuteSums minuteOf(Step step) {
        long minute = Math.floorDiv(step.startMs, MINUTE_MS) * MINUTE_MS;
        synchronized (this) {
            ArrayDeque<MinuteSums> pending = minutes.computeIfAbsent(step.fleet, f -> new ArrayDeque<>());
            for (MinuteSums m : pending) {
                if (m.minuteMs == minute) {
                    return m;
                }
            }
            MinuteSums m = new MinuteSums(step.fleet, minute);
            pending.addLast(m);
            return m;
        }
    }

    /** Finished minutes not yet taken by the rollup writer, oldest first. */
    List<MinuteSums> takeFinishedMinutes() {
        List<MinuteSums> out = new ArrayList<>();
        finishedMinutes.drainTo(out);
        return out;
    }

    /** Seals finished steps and drops what is older than the history. Package-private for tests. */
    void maintain(long nowMs) {
        long interval = settings.intervalMs();
        long historyStart = nowMs - settings.historyMs();
        long nodeHistogramsStart = nowMs - settings.nodeHistogramHistoryMs();
        List<Step> toSeal = new ArrayList<>();
        synchronized (this) {
            for (ArrayDeque<Step> steps : history.values()) {
                for (Step step : steps) {
                    if (!step.sealed && step.startMs + interval <= nowMs) {
                        toSeal.add(step);
                    }
                }
            }
        }
        // Sealing compresses histograms; ingest is on this same thread, so nothing changes them meanwhile.
        for (Step step : toSeal) {
            step.seal(settings.rollups() ? minuteOf(step) : null);
        }
        synchronized (this) {
            // A minute is finished when it is over and all its steps are sealed.
            for (Map.Entry<String, ArrayDeque<MinuteSums>> e : minutes.entrySet()) {
                ArrayDeque<MinuteSums> pending = e.getValue();
                while (!pending.isEmpty() && pending.peekFirst().minuteMs + MINUTE_MS <= nowMs
                        && sealedBefore(e.getKey(), pending.peekFirst().minuteMs + MINUTE_MS)) {
                    finishedMinutes.add(pending.removeFirst());
                }
            }
            for (ArrayDeque<Step> steps : history.values()) {
                while (!steps.isEmpty() && steps.peekFirst().sealed && steps.peekFirst().startMs + interval <= historyStart) {
                    steps.removeFirst();
                }
                for (Step step : steps) {
                    if (step.startMs + interval > nodeHistogramsStart) {
                        break;
                    }
                    if (step.sealed) {
                        step.nodes.values().forEach(Cell::dropHistograms);
                    }
                }
            }
            nodes.values().removeIf(n -> n.lastReportMs < historyStart);
        }
    }

    // ------------------------------------------------------------------------------ reads

    /** The sealed steps of {@code fleet} that start in [fromMs, toMs), oldest first. */
    public synchronized List<Step> sealedSteps(String fleet, long fromMs, long toMs) {
        ArrayDeque<Step> steps = history.get(fleet);
        if (steps == null) {
            return List.of();
        }
        List<Step> out = new ArrayList<>();
        for (Step step : steps) {
            if (step.sealed && step.startMs >= fromMs && step.startMs < toMs) {
                out.add(step);
            }
        }
        return out;
    }

    /** Start of the oldest step held in memory for {@code fleet}, or Long.MAX_VALUE. */
    public synchronized long historyStartMs(String fleet) {
        ArrayDeque<Step> steps = history.get(fleet);
        return steps == null || steps.isEmpty() ? Long.MAX_VALUE : steps.peekFirst().startMs;
    }

    /** Whether every step of {@code fleet} that starts before {@code t} is sealed (and one exists). */
    public synchronized boolean sealedBefore(String fleet, long t) {
        ArrayDeque<Step> steps = history.get(fleet);
        if (steps == null || steps.isEmpty()) {
            return false;
        }
        for (Step step : steps) {
            if (step.startMs < t && !step.sealed) {
                return false;
            }
        }
        return true;
    }

    /** The newest sealed step's end, or 0 when none. */
    public synchronized long sealedUntilMs(String fleet) {
        ArrayDeque<Step> steps = history.get(fleet);
        if (steps == null) {
            return 0;
        }
        long until = 0;
        for (Step step : steps) {
            if (step.sealed) {
                until = step.startMs + settings.intervalMs();
            }
        }
        return until;
    }

    public synchronized List<String> fleets() {
        return new ArrayList<>(history.keySet());
    }

    /** The latest sample of every node of {@code fleet} this replica holds, copied. */
    public synchronized List<NodeSample> latest(String fleet) {
        long now = settings.now();
        long staleAfter = STALE_INTERVALS * settings.intervalMs();
        List<NodeSample> out = new ArrayList<>();
        for (NodeState n : nodes.values()) {
            if (fleet.equals(n.fleet)) {
                out.add(new NodeSample(n.nodeId, n.bootId, n.lastReportMs, n.stale(now, staleAfter), n.configGeneration,
                        n.nodeGauges, Map.copyOf(n.poolGauges), Map.copyOf(n.serviceGauges)));
            }
        }
        out.sort(java.util.Comparator.comparing(NodeSample::nodeId));
        return out;
    }

    /**
     * The fleet's gauges now, over the nodes that are up: per pool and node-wide, summed or
     * maxed as declared, and how many nodes are up and stale. No copies of the samples.
     */
    public synchronized GaugeSums gaugeSums(String fleet) {
        long now = settings.now();
        long staleAfter = STALE_INTERVALS * settings.intervalMs();
        Map<Keys.Pool, long[]> pools = new HashMap<>();
        long[] node = new long[StatsSchema.NODE.gaugeCount()];
        int up = 0;
        int stale = 0;
        for (NodeState n : nodes.values()) {
            if (!fleet.equals(n.fleet)) {
                continue;
            }
            if (n.stale(now, staleAfter)) {
                stale++;
                continue;
            }
            up++;
            StatsQueries.combine(StatsSchema.NODE, node, n.nodeGauges);
            n.poolGauges.forEach((k, g) -> StatsQueries.combine(StatsSchema.POOL,
                    pools.computeIfAbsent(k, x -> new long[StatsSchema.POOL.gaugeCount()]), g));
        }
        return new GaugeSums(pools, node, up, stale);
    }

    public record GaugeSums(Map<Keys.Pool, long[]> pools, long[] node, int up, int stale) {
    }

    /** Every node of {@code fleet} this replica holds, without their samples. */
    public synchronized List<StatsResult.NodeStatus> statuses(String fleet) {
        long now = settings.now();
        long staleAfter = STALE_INTERVALS * settings.intervalMs();
        List<StatsResult.NodeStatus> out = new ArrayList<>();
        for (NodeState n : nodes.values()) {
            if (fleet.equals(n.fleet)) {
                out.add(new StatsResult.NodeStatus(n.nodeId, n.stale(now, staleAfter) ? "stale" : "up",
                        java.time.Instant.ofEpochMilli(n.lastReportMs), n.bootId, n.configGeneration));
            }
        }
        out.sort(java.util.Comparator.comparing(StatsResult.NodeStatus::node));
        return out;
    }

    /** Per pool of {@code fleet}: the sums of counter deltas since this replica started. */
    public synchronized Map<Keys.Pool, long[]> cumulative(String fleet) {
        Map<Keys.Pool, long[]> c = cumulativePools.get(fleet);
        Map<Keys.Pool, long[]> out = new HashMap<>();
        if (c != null) {
            c.forEach((k, v) -> out.put(k, v.clone()));
        }
        return out;
    }

    public synchronized long[] cumulativeNode(String fleet) {
        long[] c = cumulativeNode.get(fleet);
        return c == null ? new long[StatsSchema.NODE.counterCount()] : c.clone();
    }

    public synchronized long reportsDropped() {
        return reportsDropped;
    }

    public synchronized long histogramsRejected() {
        return histogramsRejected;
    }

    /** One node's latest report, as this replica saw it. */
    public record NodeSample(String nodeId, String bootId, long lastReportMs, boolean stale, long configGeneration,
                             long[] nodeGauges, Map<Keys.Pool, long[]> poolGauges, Map<Keys.Service, long[]> serviceGauges) {
    }
}
