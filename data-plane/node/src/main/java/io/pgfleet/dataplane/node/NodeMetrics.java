package io.pgfleet.dataplane.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/** Node-wide gauges and counters on the Prometheus endpoint (/q/metrics). */
@ApplicationScoped
public class NodeMetrics {
    @Inject
    MeterRegistry registry;
    @Inject
    Instance<NodeProcess> node;
    @Inject
    Instance<PrometheusMeterRegistry> prometheus;

    void bind(@Observes @jakarta.annotation.Priority(jakarta.interceptor.Interceptor.Priority.APPLICATION + 900) StartupEvent event) {
        NodeProcess process = node.get();
        Gauge.builder("pgfleet_client_connections", () -> process.counters().clientConnections())
                .description("Client connections open on this node").register(registry);
        Gauge.builder("pgfleet_server_connections", () -> process.counters().serverConnections())
                .description("Server connections open on this node").register(registry);
        FunctionCounter.builder("pgfleet_clients_accepted", process, p -> p.counters().clientsAcceptedTotal())
                .description("Client connections accepted since start").register(registry);
        FunctionCounter.builder("pgfleet_login_failures", process, p -> p.counters().loginFailuresTotal())
                .description("Client logins refused since start").register(registry);
        // Transaction-mode fidelity (docs/transaction-mode.md); per-pool series come with the admin console and stats work.
        Gauge.builder("pgfleet_pinned_clients", () -> process.sessionTotals().pinnedClients())
                .description("Clients holding their server connection for session state (LISTEN, temp tables, ...)").register(registry);
        FunctionCounter.builder("pgfleet_pins", process, p -> p.sessionTotals().pins())
                .description("Times a client was pinned to its server connection since start").register(registry);
        FunctionCounter.builder("pgfleet_session_state_refusals", process, p -> p.sessionTotals().refusals())
                .description("Statements refused under pgfleet_session_state=refuse since start").register(registry);
        FunctionCounter.builder("pgfleet_prepared_statement_hits", process, p -> p.sessionTotals().statementHits())
                .description("Client prepared statements found already prepared on the server used").register(registry);
        FunctionCounter.builder("pgfleet_prepared_statement_prepares", process, p -> p.sessionTotals().statementPrepares())
                .description("Prepared statements the node prepared on a server for a client").register(registry);
        FunctionCounter.builder("pgfleet_prepared_statement_evictions", process, p -> p.sessionTotals().statementEvictions())
                .description("Prepared statements closed on a server to stay within max_prepared_statements").register(registry);

        // Per pool: pgbouncer_exporter's names (PgBouncerCollector) and latency histograms (PoolLatencyTimers).
        if (process.pools() != null) {
            process.pools().latencyObservers(new PoolLatencyTimers(registry));
            if (prometheus.isResolvable()) {
                new PgBouncerCollector(process).register(prometheus.get().getPrometheusRegistry());
            }
        }
        process.controlPlaneConnected().ifPresent(ignored -> {
            Gauge.builder("pgfleet_control_plane_connected", () -> process.controlPlaneConnected().orElse(false) ? 1 : 0)
                    .description("1 while the node's Sync stream to the control plane is up, else 0").register(registry);
            Gauge.builder("pgfleet_config_generation", () -> process.configGeneration().orElse(0))
                    .description("Generation of the config push the node applied last (0: none yet)").register(registry);
        });
    }
}
