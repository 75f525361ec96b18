package io.pgfleet.dataplane.node;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the node holds a config (with {@link AcceptingClientsReadiness}: and takes
 * clients). Liveness does not depend on the control plane on purpose ({@link NodeLiveness}):
 * a node that lost its control plane still serves and must not be restarted for it.
 */
@Readiness
@ApplicationScoped
public class ConfigReadiness implements HealthCheck {
    @Inject
    NodeProcess node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("config").status(node.hasConfig()).build();
    }
}
