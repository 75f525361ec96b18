package io.pgfleet.dataplane.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
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
    }
}
