package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * pgfleet_nodes{fleet,status} counts the registry's nodes by the registry's own status rules.
 * Rows are written straight into the registry table (as replicas would, held by a replica
 * that is not this one), in a fleet of this test's own.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class NodeStatusMetricsTest {
    private static final String FLEET = "metrics-test";

    @Inject
    NodeStatusMetrics metrics;

    @Test
    void countsNodesByFleetAndStatus() throws Exception {
        try (Connection c = DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "postgres", "");
             Statement s = c.createStatement()) {
            String columns = "INSERT INTO node (node_id, boot_id, fleet, connected, replica, last_seen, pending_generation, pending_since, rejected) VALUES ";
            // last_seen ahead of now: no heartbeat needed while the test runs
            s.execute(columns + """
                    ('mt-synced-1', 'b', 'metrics-test', true, 'elsewhere', now() + interval '1 hour', NULL, NULL, false),
                    ('mt-synced-2', 'b', 'metrics-test', true, 'elsewhere', now() + interval '1 hour', NULL, NULL, false),
                    ('mt-stale', 'b', 'metrics-test', true, 'elsewhere', now() + interval '1 hour', 7, now() - interval '1 hour', false),
                    ('mt-rejected', 'b', 'metrics-test', true, 'elsewhere', now() + interval '1 hour', NULL, NULL, true),
                    ('mt-gone', 'b', 'metrics-test', false, NULL, now() - interval '1 hour', NULL, NULL, false),
                    ('mt-silent', 'b', 'metrics-test', true, 'elsewhere', now() - interval '1 hour', NULL, NULL, false)
                    """);
            metrics.refresh();
            String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(scrape)
                    .contains("# TYPE pgfleet_nodes gauge")
                    .contains(line("SYNCED", 2))
                    .contains(line("STALE", 1))
                    .contains(line("REJECTED", 1))
                    // no stream, or a replica whose heartbeat stopped
                    .contains(line("DISCONNECTED", 2));

            s.execute("UPDATE node SET pending_generation = NULL, pending_since = NULL, rejected = false WHERE fleet = 'metrics-test'");
            metrics.refresh();
            assertThat(given().get("/q/metrics").then().extract().asString())
                    .contains(line("SYNCED", 4)).contains(line("STALE", 0)).contains(line("REJECTED", 0));

            // every control-plane metric the fleet alert rules use is exposed (the fleet stats
            // aggregates, pgfleet_fleet_*, exist once stats are ingested: FleetStatsRuleMetricsTest)
            String current = given().get("/q/metrics").then().extract().asString();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(pgfleet_(?!fleet_)[a-z_]+)\\b(?![:\\w])").matcher(
                    java.nio.file.Files.readAllLines(java.nio.file.Path.of("../deploy/prometheus/pgfleet-fleet.rules.yml")).stream()
                            .filter(l -> !l.strip().startsWith("#")).collect(java.util.stream.Collectors.joining("\n")));
            int used = 0;
            while (m.find()) {
                used++;
                assertThat(current).as(m.group(1) + ", used by the fleet alert rules").containsPattern("(?m)^" + m.group(1) + "[{ ]");
            }
            assertThat(used).isPositive();
            s.execute("DELETE FROM node WHERE fleet = 'metrics-test'");
        }
    }

    private static String line(String status, int count) {
        return "pgfleet_nodes{fleet=\"" + FLEET + "\",status=\"" + status + "\"} " + count + ".0";
    }
}
