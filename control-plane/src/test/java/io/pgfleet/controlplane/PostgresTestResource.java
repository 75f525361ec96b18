package io.pgfleet.controlplane;

import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * One real PostgreSQL for a test run: it holds the control plane's own database and the
 * upstream databases the tests serve through nodes, as a small installation would.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {
    private static PostgresServer server;

    /** The running server, for tests that create upstream databases and users on it. */
    public static PostgresServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = Postgres.start();
        server.createUserAndDatabase("pgfleet", "pgfleet-test-password", "pgfleet");
        return Map.of(
                "quarkus.datasource.jdbc.url", server.jdbcUrl("pgfleet"),
                "quarkus.datasource.username", "pgfleet",
                "quarkus.datasource.password", "pgfleet-test-password");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
