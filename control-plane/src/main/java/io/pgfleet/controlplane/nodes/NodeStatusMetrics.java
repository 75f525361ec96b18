package io.pgfleet.controlplane.nodes;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code pgfleet_nodes{fleet,status}}: how many nodes of each fleet the registry holds in
 * each status (SYNCED, STALE, REJECTED, DISCONNECTED; every status of a known fleet is
 * present, 0 included, so alert rules can compare). Read from PostgreSQL every
 * {@code pgfleet.metrics.node-status-interval}, never on the scrape; every replica reads the
 * same table, so every replica reports the same numbers. When the database cannot be read
 * the last numbers stay (readiness reports the outage).
 */
@ApplicationScoped
public class NodeStatusMetrics {
    private static final Logger LOG = Logger.getLogger(NodeStatusMetrics.class);

    @Inject
    NodeRegistry registry;
    @Inject
    MeterRegistry meters;
    @ConfigProperty(name = "pgfleet.metrics.node-status-interval", defaultValue = "15s")
    Duration interval;

    private MultiGauge gauge;
    private ScheduledExecutorService timer;
    private volatile boolean failing;

    void start(@Observes StartupEvent event) {
        gauge = MultiGauge.builder("pgfleet_nodes")
                .description("Nodes in the node registry by fleet and config status")
                .register(meters);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "pgfleet-node-status-metrics");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Reads the registry once and replaces the gauge's rows. */
    void refresh() {
        List<NodeView> nodes;
        try {
            nodes = registry.list();
        } catch (RuntimeException e) {
            if (!failing) {
                LOG.warnf("pgfleet_nodes keeps its last values: %s", e.getMessage());
            }
            failing = true;
            return;
        }
        failing = false;
        Map<String, EnumMap<NodeStatus, Long>> byFleet = new TreeMap<>();
        for (NodeView node : nodes) {
            byFleet.computeIfAbsent(node.fleet(), f -> zeros()).merge(node.status(), 1L, Long::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byFleet.forEach((fleet, counts) -> counts.forEach((status, count) ->
                rows.add(MultiGauge.Row.of(Tags.of("fleet", fleet, "status", status.name()), count))));
        gauge.register(rows, true);
    }

    private static EnumMap<NodeStatus, Long> zeros() {
        EnumMap<NodeStatus, Long> counts = new EnumMap<>(NodeStatus.class);
        for (NodeStatus status : NodeStatus.values()) {
            counts.put(status, 0L);
        }
        return counts;
    }
}
