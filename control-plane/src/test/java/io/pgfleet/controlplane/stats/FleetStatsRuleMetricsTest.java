package io.pgfleet.controlplane.stats;

import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.controlplane.TestTokens;
import io.pgfleet.controlplane.nodes.ConfigDistributor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

/**
 * Every fleet aggregate the alert rules of deploy/prometheus/pgfleet-fleet.rules.yml use
 * (pgfleet_fleet_*, with the label values they select, such as quantile="0.99" or
 * status="stale") is on /q/metrics once a node's stats report has been ingested. A rule
 * naming a metric or a label value the control plane does not export fails this test.
 */
@QuarkusTest
@TestProfile(FleetStatsProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
class FleetStatsRuleMetricsTest {
    private static final String FLEET = "stats-rules";
    /** A pgfleet_fleet_* metric in a PromQL expression, with its selector if it has one. */
    private static final Pattern USE = Pattern.compile("\\b(pgfleet_fleet_[a-z_]+)\\b(?![:\\w])(\\{[^}]*})?");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");

    @TestHTTPResource("/")
    URL controlPlane;
    @Inject
    ConfigDistributor distributor;

    @Test
    void everyFleetMetricTheAlertRulesUseIsExposedAfterStatsAreIngested() throws Exception {
        TestTokens.given().contentType(ContentType.JSON).body("{}").put("/api/v1/fleets/" + FLEET)
                .then().statusCode(anyOf(equalTo(200), equalTo(201)));
        Map<String, Map<String, String>> uses = ruleUses();
        assertThat(uses.keySet()).as("pgfleet_fleet_* metrics the fleet rules use")
                .contains("pgfleet_fleet_cl_waiting", "pgfleet_fleet_sv_active", "pgfleet_fleet_pool_size",
                        "pgfleet_fleet_nodes{status=stale}", "pgfleet_fleet_xact_latency_seconds{quantile=0.99}",
                        "pgfleet_fleet_wait_latency_seconds{quantile=0.99}");

        try (StatsTestNode node = new StatsTestNode(controlPlane, "rules-a", FLEET, true)) {
            await(() -> distributor.holds("rules-a"), "the control plane holds rules-a");
            node.report(Reports.report("rules-a", "b", Reports.pool("db", "u", 0).build()));
            Thread.sleep(300);
            node.report(Reports.report("rules-a", "b", Reports.pool("db", "u", 100)
                    .setClWaiting(3).setSvActive(9).setPoolSize(10).setMaxwaitUs(12_000_000)
                    .setXactLatencyUs(Reports.histogram(6_000_000, 100)).setWaitLatencyUs(Reports.histogram(80_000, 100)).build()));

            String pool = "{database=\"db\",fleet=\"" + FLEET + "\",user=\"u\"} ";
            String[] scrape = {""};
            // the rules' inputs carry the reported numbers, the quantiles once a step is sealed
            await(() -> {
                scrape[0] = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
                return scrape[0].contains("pgfleet_fleet_cl_waiting" + pool + "3.0")
                        && scrape[0].contains("pgfleet_fleet_sv_active" + pool + "9.0")
                        && scrape[0].contains("pgfleet_fleet_pool_size" + pool + "10.0")
                        && scrape[0].contains("pgfleet_fleet_maxwait_seconds" + pool + "12.0")
                        && value(scrape[0], "pgfleet_fleet_xact_latency_seconds", Map.of("quantile", "0.99")) >= 5.9
                        && value(scrape[0], "pgfleet_fleet_wait_latency_seconds", Map.of("quantile", "0.99")) >= 0.079;
            }, "the report's numbers on /q/metrics");

            for (Map.Entry<String, Map<String, String>> use : uses.entrySet()) {
                String name = use.getKey().replaceAll("\\{.*", "");
                assertThat(exposed(scrape[0], name, use.getValue()))
                        .as(use.getKey() + ", used by pgfleet-fleet.rules.yml, on /q/metrics for fleet " + FLEET).isTrue();
            }
            // the check itself: a name or a label value that is not exported is not found
            assertThat(exposed(scrape[0], "pgfleet_fleet_cl_waiting", Map.of())).isTrue();
            assertThat(exposed(scrape[0], "pgfleet_fleet_no_such_metric", Map.of())).isFalse();
            assertThat(exposed(scrape[0], "pgfleet_fleet_nodes", Map.of("status", "STALE"))).isFalse();
            assertThat(exposed(scrape[0], "pgfleet_fleet_xact_latency_seconds", Map.of("quantile", "0.999"))).isFalse();
        }
    }

    /** Each pgfleet_fleet_* selector of the rules (outside comments), keyed "name{label=value,...}", with its = matchers. */
    private static Map<String, Map<String, String>> ruleUses() throws Exception {
        String rules = Files.readAllLines(Path.of("../deploy/prometheus/pgfleet-fleet.rules.yml")).stream()
                .filter(l -> !l.strip().startsWith("#")).collect(Collectors.joining("\n"));
        Map<String, Map<String, String>> uses = new LinkedHashMap<>();
        Matcher m = USE.matcher(rules);
        while (m.find()) {
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = MATCHER.matcher(m.group(2));
                while (l.find()) {
                    assertThat(l.group(2)).as("only = matchers can be checked against a scrape: " + m.group()).isEqualTo("=");
                    labels.put(l.group(1), l.group(3));
                }
            }
            uses.put(labels.isEmpty() ? m.group(1) : m.group(1) + labels.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "{", "}")), labels);
        }
        return uses;
    }

    private static boolean exposed(String scrape, String name, Map<String, String> labels) {
        return !Double.isNaN(value(scrape, name, labels));
    }

    /** The value of the first sample of {@code name} for this test's fleet with these labels; NaN if none. */
    private static double value(String scrape, String name, Map<String, String> labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(scrape);
        while (m.find()) {
            String sampleLabels = "," + m.group(1) + ",";
            if (sampleLabels.contains(",fleet=\"" + FLEET + "\",") && labels.entrySet().stream()
                    .allMatch(e -> sampleLabels.contains("," + e.getKey() + "=\"" + e.getValue() + "\","))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return Double.NaN;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
