package io.pgfleet.controlplane.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;

import java.util.Arrays;

/**
 * Started once the database schema is at the version this build expects: every migration
 * of the build applied and none failed, read from Flyway's schema history. Once UP it stays
 * UP (the schema does not go back); a later database outage is readiness' business.
 */
@Startup
@ApplicationScoped
public class MigrationsStartupHealth implements HealthCheck {
    private static final String NAME = "database migrations";

    @Inject
    Flyway flyway;

    private volatile String appliedVersion;

    @Override
    public HealthCheckResponse call() {
        String version = appliedVersion;
        if (version != null) {
            return HealthCheckResponse.named(NAME).up().withData("version", version).build();
        }
        try {
            MigrationInfoService info = flyway.info();
            MigrationInfo[] pending = info.pending();
            MigrationInfo[] failed = Arrays.stream(info.all()).filter(m -> m.getState().isFailed()).toArray(MigrationInfo[]::new);
            MigrationInfo current = info.current();
            String currentVersion = current == null ? "none" : current.getVersion().toString();
            if (pending.length == 0 && failed.length == 0 && current != null) {
                appliedVersion = currentVersion;
                return HealthCheckResponse.named(NAME).up().withData("version", currentVersion).build();
            }
            return HealthCheckResponse.named(NAME).down().withData("version", currentVersion)
                    .withData("pending", pending.length).withData("failed", failed.length).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named(NAME).down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
