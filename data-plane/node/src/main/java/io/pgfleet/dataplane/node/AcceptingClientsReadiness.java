package io.pgfleet.dataplane.node;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready to take clients: the pooler listens and is not draining. With {@link ConfigReadiness}
 * this makes readiness; a node going away (SIGTERM, SHUTDOWN) leaves the load balancer's
 * rotation before its last clients leave.
 */
@Readiness
@ApplicationScoped
public class AcceptingClientsReadiness implements HealthCheck {
    @Inject
    NodeProcess node;

    @Override
    public HealthCheckResponse call() {
        boolean accepting = node.acceptingClients();
        return HealthCheckResponse.named("clients").status(accepting)
                .withData("state", !node.started() ? "starting" : accepting ? "accepting" : "draining")
                .withData("port", node.port())
                .build();
    }
}
