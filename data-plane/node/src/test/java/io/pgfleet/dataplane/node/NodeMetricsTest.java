package io.pgfleet.dataplane.node;

import io.pgfleet.testkit.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * /q/metrics of a standalone node (StandaloneNodeTest's pgbouncer.ini and PostgreSQL):
 * pgbouncer_exporter's exact metric names and labels, the latency histograms, clients per
 * application_name, and values that move with real queries through the node. The app is
 * shared with StandaloneNodeTest, so values are compared before and after.
 */
@QuarkusTest
class NodeMetricsTest {
    private static final String APP = "metrics-test-app";
    private static final Map<String, String> POOL = Map.of("database", "appdb", "user", "app");
    private static final Map<String, String> DB = Map.of("database", "appdb");

    @Inject
    NodeProcess node;

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static final class Scrape {
        final String text;
        final List<Sample> samples = new ArrayList<>();

        Scrape(String text) {
            this.text = text;
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int space = line.lastIndexOf(' ');
                String key = line.substring(0, space);
                double value = Double.parseDouble(line.substring(space + 1));
                int brace = key.indexOf('{');
                Map<String, String> labels = new LinkedHashMap<>();
                if (brace >= 0) {
                    // label values here have no quotes, commas or backslashes inside
                    for (String pair : key.substring(brace + 1, key.length() - 1).split(",")) {
                        if (!pair.isEmpty()) {
                            int eq = pair.indexOf('=');
                            labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
                        }
                    }
                }
                samples.add(new Sample(brace >= 0 ? key.substring(0, brace) : key, labels, value));
            }
        }

        List<Sample> all(String name) {
            return samples.stream().filter(s -> s.name.equals(name)).toList();
        }

        /** The one sample of {@code name} whose labels include {@code labels}. */
        double value(String name, Map<String, String> labels) {
            List<Sample> found = all(name).stream().filter(s -> s.labels.entrySet().containsAll(labels.entrySet())).toList();
            assertThat(found).as(name + " " + labels + " in\n" + text).hasSize(1);
            return found.get(0).value;
        }
    }

    static Scrape scrape() {
        return new Scrape(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    @Test
    void exporterNamesHistogramsAndClientsMoveWithQueries() throws Exception {
        try (Connection warmUp = connect()) {
            warmUp.createStatement().execute("SELECT 1"); // the pool and its meters exist from here on
        }
        Scrape before = scrape();

        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                s.execute("SELECT " + i);
            }
            c.setAutoCommit(false);
            s.execute("SELECT pg_sleep(0.03)");
            s.execute("SELECT 2");
            c.commit();
            c.setAutoCommit(true);

            Scrape during = scrape();
            assertThat(during.value("pgbouncer_up", Map.of())).isEqualTo(1);
            assertThat(during.value("pgfleet_clients", Map.of("database", "appdb", "application_name", APP))).isEqualTo(1);
            assertThat(during.value("pgbouncer_pools_client_active_connections", POOL)).isGreaterThanOrEqualTo(1);
            assertThat(during.value("pgbouncer_pools_client_waiting_connections", POOL)).isZero();
            assertThat(during.value("pgbouncer_pools_client_maxwait_seconds", POOL)).isZero();
            // the join the pool-exhaustion rule makes: SHOW DATABASES "name" = SHOW POOLS "database"
            assertThat(during.value("pgbouncer_databases_pool_size", Map.of("name", "appdb", "database", "appdb",
                    "host", StandaloneNodeTest.PgBouncerFiles.postgres.host(),
                    "port", String.valueOf(StandaloneNodeTest.PgBouncerFiles.postgres.port()),
                    "force_user", "", "pool_mode", "")))
                    .isEqualTo(node.currentConfig().pooler().defaultPoolSize());
            assertThat(during.value("pgbouncer_databases_current_connections", Map.of("name", "appdb"))).isGreaterThanOrEqualTo(1);
        }
        Scrape after = scrape();

        // SHOW STATS counters, per database, in the exporter's units (seconds, bytes)
        assertThat(delta(before, after, "pgbouncer_stats_queries_pooled_total", DB)).isGreaterThanOrEqualTo(7);
        assertThat(delta(before, after, "pgbouncer_stats_sql_transactions_pooled_total", DB)).isGreaterThanOrEqualTo(6);
        assertThat(delta(before, after, "pgbouncer_stats_queries_duration_seconds_total", DB)).isBetween(0.03, 10.0);
        assertThat(delta(before, after, "pgbouncer_stats_server_in_transaction_seconds_total", DB)).isBetween(0.03, 10.0);
        assertThat(delta(before, after, "pgbouncer_stats_received_bytes_total", DB)).isGreaterThan(0);
        assertThat(delta(before, after, "pgbouncer_stats_sent_bytes_total", DB)).isGreaterThan(0);
        assertThat(after.value("pgbouncer_stats_client_wait_seconds_total", DB)).isGreaterThanOrEqualTo(0);

        // latency histograms per pool, Prometheus-style: buckets, count, sum
        assertThat(delta(before, after, "pgfleet_query_duration_seconds_count", POOL)).isGreaterThanOrEqualTo(7);
        assertThat(delta(before, after, "pgfleet_transaction_duration_seconds_count", POOL)).isGreaterThanOrEqualTo(6);
        assertThat(delta(before, after, "pgfleet_server_wait_duration_seconds_count", POOL)).isGreaterThanOrEqualTo(6);
        assertThat(delta(before, after, "pgfleet_query_duration_seconds_sum", POOL)).isBetween(0.03, 10.0);
        Map<String, String> inf = new LinkedHashMap<>(POOL);
        inf.put("le", "+Inf");
        assertThat(after.value("pgfleet_query_duration_seconds_bucket", inf))
                .isEqualTo(after.value("pgfleet_query_duration_seconds_count", POOL));
        Map<String, String> fast = new LinkedHashMap<>(POOL);
        fast.put("le", "0.025");
        // the pg_sleep(0.03) query is above 25 ms, the others (on a local server) below
        assertThat(after.value("pgfleet_query_duration_seconds_bucket", fast))
                .isLessThan(after.value("pgfleet_query_duration_seconds_count", POOL));
        assertThat(after.all("pgfleet_query_duration_seconds_bucket").stream()
                .filter(s -> s.labels.get("database").equals("appdb") && s.labels.get("user").equals("app")))
                .hasSize(PoolLatencyTimers.BUCKETS.length + 1);

        assertThat(delta(before, after, "pgfleet_service_transactions_total",
                Map.of("database", "appdb", "user", "app", "application_name", APP))).isGreaterThanOrEqualTo(6);

        // exact exposition names: counters end in one _total, no unit appended twice
        assertThat(after.text)
                .contains("# TYPE pgbouncer_pools_client_waiting_connections gauge")
                .contains("# TYPE pgfleet_query_duration_seconds histogram")
                .doesNotContain("_total_total")
                .doesNotContain("_seconds_seconds")
                .doesNotContain("le=\"1.0E-3\"").contains("le=\"0.001\"");
        assertThat(after.samples.stream().map(Sample::name).filter(n -> n.startsWith("pgbouncer_")).distinct().sorted())
                .containsExactly("pgbouncer_databases_current_connections", "pgbouncer_databases_disabled",
                        "pgbouncer_databases_max_connections", "pgbouncer_databases_paused", "pgbouncer_databases_pool_size",
                        "pgbouncer_databases_reserve_pool",
                        "pgbouncer_pools_client_active_connections", "pgbouncer_pools_client_maxwait_seconds",
                        "pgbouncer_pools_client_waiting_connections", "pgbouncer_pools_server_active_connections",
                        "pgbouncer_pools_server_being_canceled_connections", "pgbouncer_pools_server_idle_connections",
                        "pgbouncer_pools_server_login_connections", "pgbouncer_pools_server_testing_connections",
                        "pgbouncer_pools_server_used_connections",
                        "pgbouncer_stats_client_wait_seconds_total", "pgbouncer_stats_queries_duration_seconds_total",
                        "pgbouncer_stats_queries_pooled_total", "pgbouncer_stats_received_bytes_total",
                        "pgbouncer_stats_sent_bytes_total", "pgbouncer_stats_server_in_transaction_seconds_total",
                        "pgbouncer_stats_sql_transactions_pooled_total", "pgbouncer_up");
        // standalone: no control plane, so no control-plane series
        assertThat(after.all("pgfleet_control_plane_connected")).isEmpty();

        // every node metric the alert rules use is one this node exposes (fleet-mode ones: NodeHealthWithoutControlPlaneTest)
        assertThat(metricsUsedBy(Path.of("../../deploy/prometheus/pgfleet-node.rules.yml")))
                .isNotEmpty()
                .allSatisfy(name -> {
                    if (!name.equals("pgfleet_control_plane_connected") && !name.equals("pgfleet_config_generation")) {
                        assertThat(after.all(name)).as(name + ", used by the node alert rules").isNotEmpty();
                    }
                });

        Eventually.await(Duration.ofSeconds(10), "the client leaves pgfleet_clients",
                () -> scrape().all("pgfleet_clients").stream().noneMatch(s -> APP.equals(s.labels.get("application_name"))));
    }

    /** Metric names (not recording rules, which have colons) in a rule file, comments left out. */
    static java.util.Set<String> metricsUsedBy(Path rules) throws Exception {
        java.util.Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(pgbouncer_[a-z_]+|pgfleet_[a-z_]+)\\b(?![:\\w])")
                .matcher(Files.readAllLines(rules).stream().filter(l -> !l.strip().startsWith("#"))
                        .collect(java.util.stream.Collectors.joining("\n")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static double delta(Scrape before, Scrape after, String name, Map<String, String> labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + StandaloneNodeTest.PgBouncerFiles.listenPort
                + "/appdb?sslmode=disable&ApplicationName=" + APP, "app", "app-secret");
    }
}
