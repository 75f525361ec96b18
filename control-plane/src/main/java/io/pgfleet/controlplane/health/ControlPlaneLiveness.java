package io.pgfleet.controlplane.health;

import io.pgfleet.controlplane.nodes.NodeRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the process answers. Deliberately independent of PostgreSQL: restarting a
 * replica does not bring its database back, and nodes keep serving their last config while
 * it is away; readiness (Agroal's datasource check) takes the replica out of rotation
 * instead. Names the replica id that the node registry's {@code replica} column uses.
 */
@Liveness
@ApplicationScoped
public class ControlPlaneLiveness implements HealthCheck {
    @Inject
    NodeRegistry registry;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("control plane").up().withData("replica", registry.replica()).build();
    }
}
