package io.pgfleet.dataplane.node;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** Started once the pooler engine has bound its client port and started its pools. */
@Startup
@ApplicationScoped
public class PoolerStartupHealth implements HealthCheck {
    @Inject
    NodeProcess node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("pooler").status(node.started()).withData("port", node.port()).build();
    }
}
