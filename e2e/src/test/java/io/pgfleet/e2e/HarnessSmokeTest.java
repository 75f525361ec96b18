package io.pgfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the harness itself against the API as it was before issue 5 (unversioned
 * /api/v1/upstreams/{name}, no auth): PostgreSQL, one control-plane process, one node
 * process, psql through the node, kill -9 and restart of the control plane.
 */
@Disabled("harness smoke test against the pre-issue-5 REST API; ControlPlaneHaEndToEndTest supersedes it")
class HarnessSmokeTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static PostgresServer postgres;
    private static ControlPlaneProcess controlPlane;
    private static NodeProcess node;

    @BeforeAll
    static void startFleet() {
        Path work = E2e.freshWorkDir("HarnessSmokeTest");
        postgres = E2ePostgres.start();
        String cpPassword = E2e.randomToken(18);
        postgres.createUserAndDatabase("pgfleet", cpPassword, "pgfleet");
        postgres.createUserAndDatabase("app", "app-secret", "appdb");
        controlPlane = new ControlPlaneProcess("control-plane-1", work,
                ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", cpPassword));
        controlPlane.start().awaitReady(STARTUP);
        node = NodeProcess.builder("node-1", work).controlPlane(controlPlane).build();
    }

    @AfterAll
    static void stopFleet() {
        if (node != null) {
            node.stop();
        }
        if (controlPlane != null) {
            controlPlane.stop();
        }
        E2ePostgres.close(postgres);
    }

    @Test
    void aNodeProcessServesWhatTheControlPlaneProcessWasGiven() throws Exception {
        Api api = controlPlane.adminApi();
        api.put("/api/v1/upstreams/app", Map.of("host", postgres.host(), "port", postgres.port(), "dbname", "appdb"))
                .expectSuccess();
        api.put("/api/v1/users/app", Map.of("password", "app-secret")).expectSuccess();

        node.start().awaitReady(STARTUP);
        assertPsqlWorks();
        try (Connection c = DriverManager.getConnection(node.jdbcUrl("app"), "app", "app-secret");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("appdb");
        }
        Eventually.await(Duration.ofSeconds(30), "node-1 SYNCED", () -> "SYNCED".equals(status(api, "node-1")));

        long pidBefore = controlPlane.pid();
        controlPlane.kill();
        assertThat(controlPlane.isAlive()).isFalse();
        assertThat(ProcessHandle.of(pidBefore).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertPsqlWorks();

        controlPlane.start().awaitReady(STARTUP);
        Eventually.await(Duration.ofSeconds(30), "node-1 SYNCED after the control plane's restart",
                () -> "SYNCED".equals(status(api, "node-1")));
        assertThat(controlPlane.cpuTime()).isPositive();
    }

    private static void assertPsqlWorks() {
        Psql.Result result = Psql.run("127.0.0.1", node.port(), "app", "app-secret", "app", "SELECT current_database()");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("appdb");
    }

    private static String status(Api api, String nodeId) {
        for (JsonNode n : api.get("/api/v1/nodes").expect(200).json()) {
            if (nodeId.equals(n.path("nodeId").asText())) {
                return n.path("status").asText();
            }
        }
        return null;
    }
}
