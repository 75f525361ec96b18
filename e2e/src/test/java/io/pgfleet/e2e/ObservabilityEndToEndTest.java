package io.pgfleet.e2e;

import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health and metrics of the packaged apps as real processes, in fleet mode: a node's
 * control-plane series and per-pool series after real queries, the control plane's
 * pgfleet_nodes following nodes that come and go, and a node that keeps serving — live and
 * ready — while its control plane is down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityEndToEndTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String FLEET = "default";
    private static final String DATABASE = "app";
    private static final String USER = "app";
    private static final String APPLICATION = "observability-e2e";
    private static final String PASSWORD = "app-secret-" + E2e.randomToken(6);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private PostgresServer postgres;
    private ControlPlaneProcess controlPlane;
    private NodeProcess serving;
    private NodeProcess leaving;
    private long lastRevision;

    @BeforeAll
    void startFleet() throws Exception {
        Path workDir = E2e.freshWorkDir(getClass().getSimpleName());
        postgres = E2ePostgres.start();
        String dbPassword = E2e.randomToken(18);
        postgres.createUserAndDatabase("pgfleet", dbPassword, "pgfleet");
        postgres.createUserAndDatabase(USER, PASSWORD, "appdb");
        controlPlane = new ControlPlaneProcess("control-plane", workDir,
                ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", dbPassword))
                .property("pgfleet.metrics.node-status-interval", "300ms");
        controlPlane.start().awaitReady(STARTUP);

        Api api = controlPlane.adminApi();
        String nodeToken = "fleet-" + E2e.randomToken(24);
        api.put("/api/v1/fleets/" + FLEET, "{\"bootstrapToken\": \"" + nodeToken + "\"}").expect(200);
        api.put("/api/v1/fleets/" + FLEET + "/upstreams/" + DATABASE,
                Api.object().put("host", postgres.host()).put("port", postgres.port()).put("dbname", "appdb")).expect(200, 201);
        lastRevision = api.put("/api/v1/fleets/" + FLEET + "/users/" + USER, Map.of("password", PASSWORD))
                .expect(200, 201).revision();

        serving = NodeProcess.builder("obs-node-1", workDir).controlPlane(controlPlane).token(nodeToken).build();
        leaving = NodeProcess.builder("obs-node-2", workDir).controlPlane(controlPlane).token(nodeToken).build();
        serving.start();
        leaving.start();
        serving.awaitReady(STARTUP);
        leaving.awaitReady(STARTUP);
    }

    @AfterAll
    void stopFleet() {
        for (JavaProcess process : new JavaProcess[] {serving, leaving, controlPlane}) {
            if (process != null) {
                process.stop();
            }
        }
        E2ePostgres.close(postgres);
    }

    @Test
    @Order(1)
    void aFleetNodeReportsItsControlPlaneItsConfigAndItsPools() throws Exception {
        runQueries(serving, 10);
        String metrics = scrape(serving.httpPort());
        assertThat(value(metrics, "pgfleet_control_plane_connected", "")).isEqualTo(1);
        assertThat(value(metrics, "pgfleet_config_generation", "")).isGreaterThanOrEqualTo(lastRevision);
        assertThat(value(metrics, "pgbouncer_stats_sql_transactions_pooled_total", "{database=\"app\"}")).isGreaterThanOrEqualTo(10);
        assertThat(value(metrics, "pgfleet_query_duration_seconds_count", "{database=\"app\",user=\"app\"}")).isGreaterThanOrEqualTo(10);
        assertThat(value(metrics, "pgfleet_service_transactions_total",
                "{database=\"app\",user=\"app\",application_name=\"" + APPLICATION + "\"}")).isGreaterThanOrEqualTo(10);
        assertThat(status(serving.httpPort(), "/q/health/live")).isEqualTo(200);
        assertThat(status(serving.httpPort(), "/q/health/started")).isEqualTo(200);
    }

    @Test
    @Order(2)
    void theControlPlaneCountsNodesByStatus() {
        Eventually.await(SOON, "both nodes SYNCED in pgfleet_nodes",
                () -> nodes("SYNCED") == 2 && nodes("DISCONNECTED") == 0);
        leaving.stop();
        Eventually.await(SOON, "the stopped node DISCONNECTED in pgfleet_nodes",
                () -> nodes("SYNCED") == 1 && nodes("DISCONNECTED") == 1);
    }

    @Test
    @Order(3)
    void aNodeWithoutItsControlPlaneStaysLiveAndReadyAndServes() throws Exception {
        controlPlane.stop();
        Eventually.await(SOON, "the node sees its control plane gone",
                () -> value(scrape(serving.httpPort()), "pgfleet_control_plane_connected", "") == 0);
        assertThat(status(serving.httpPort(), "/q/health/live")).isEqualTo(200);
        assertThat(status(serving.httpPort(), "/q/health/ready")).isEqualTo(200);
        runQueries(serving, 3);
    }

    private static void runQueries(NodeProcess node, int count) throws Exception {
        try (Connection c = DriverManager.getConnection(node.jdbcUrl(DATABASE) + "&ApplicationName=" + APPLICATION, USER, PASSWORD);
             Statement s = c.createStatement()) {
            for (int i = 0; i < count; i++) {
                try (ResultSet rs = s.executeQuery("SELECT " + i)) {
                    assertThat(rs.next()).isTrue();
                }
            }
        }
    }

    private double nodes(String status) {
        try {
            return value(scrape(controlPlane.port()), "pgfleet_nodes", "{fleet=\"" + FLEET + "\",status=\"" + status + "\"}");
        } catch (AssertionError | RuntimeException e) {
            return -1;
        }
    }

    private static String scrape(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int status(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The value of the sample {@code name + labels} (labels as rendered, "" for none). */
    private static double value(String metrics, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + labels) + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as(name + labels + " in the scrape").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
