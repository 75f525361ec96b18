package io.pgfleet.dataplane.node;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the process answers. Deliberately independent of the control plane and of
 * PostgreSQL: a node cut off from its control plane keeps serving its last config, and
 * restarting it would only drop its clients. The control-plane link is reported as data.
 */
@Liveness
@ApplicationScoped
public class NodeLiveness implements HealthCheck {
    @Inject
    NodeProcess node;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("node").up();
        node.controlPlaneConnected().ifPresentOrElse(
                connected -> response.withData("controlPlane", connected ? "connected" : "disconnected"),
                () -> response.withData("controlPlane", "none (standalone)"));
        return response.build();
    }
}
