package io.pgfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.testkit.Pgbench;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 6, "Done when", with real processes: one control plane and three nodes reporting
 * stats every second, real pgbench load through every node, and the nodes' own admin
 * consoles (SHOW STATS through psql) as the reference.
 *
 * <ul>
 *   <li>a: the fleet's transaction total over an interval equals the sum of the nodes'
 *       SHOW STATS totals over the same interval, node by node too;</li>
 *   <li>b: the fleet p99 equals the p99 of the per-node histograms merged here;</li>
 *   <li>c: a node restarted (kill -9, new boot id) under load gives no negative and no
 *       spiking rate, and the fleet total still adds up across the restart.</li>
 * </ul>
 * The intervals start and end quiet (no traffic for three report intervals), so every
 * transaction of the interval is in exactly one report inside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetStatsEndToEndTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration SYNC = Duration.ofSeconds(30);
    private static final long INTERVAL_MS = 1000;
    private static final String FLEET = "default";
    private static final String DATABASE = "app";
    private static final String SERVER_DB = "appdb";
    private static final String USER = "app";
    private static final String MONITOR = "monitor";
    private static final String PASSWORD = "app-secret-" + E2e.randomToken(6);
    private static final String MONITOR_PASSWORD = "monitor-secret-" + E2e.randomToken(6);
    private static final List<String> NODE_IDS = List.of("node-1", "node-2", "node-3");
    /** pgbench's -R per node in step c (scripts per second). */
    private static final int RATE_PER_NODE = 40;
    /** The script holds two transactions: a statement on its own and a BEGIN ... COMMIT. */
    private static final int TRANSACTIONS_PER_SCRIPT = 2;
    /** Transactions per second pgbench offers each node in step c. */
    private static final int OFFERED_PER_NODE = RATE_PER_NODE * TRANSACTIONS_PER_SCRIPT;

    private PostgresServer postgres;
    private ControlPlaneProcess controlPlane;
    private Path workDir;
    private Path script;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    private int stepsPassed;

    @BeforeAll
    void startFleet() throws Exception {
        workDir = E2e.freshWorkDir(getClass().getSimpleName());
        postgres = E2ePostgres.start();
        String dbPassword = E2e.randomToken(18);
        postgres.createUserAndDatabase("pgfleet", dbPassword, "pgfleet");
        postgres.createUserAndDatabase(USER, PASSWORD, SERVER_DB);
        controlPlane = new ControlPlaneProcess("control-plane", workDir,
                ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", dbPassword))
                .property("pgfleet.stats.interval", INTERVAL_MS + "ms");
        controlPlane.start().awaitReady(STARTUP);

        Api api = controlPlane.adminApi();
        String nodeToken = "fleet-" + E2e.randomToken(24);
        api.put("/api/v1/fleets/" + FLEET, "{\"bootstrapToken\": \"" + nodeToken + "\"}").expect(200);
        ObjectNode upstream = Api.object().put("host", postgres.host()).put("port", postgres.port()).put("dbname", SERVER_DB);
        upstream.putObject("pool").put("pool_mode", "transaction").put("default_pool_size", 4);
        api.put("/api/v1/fleets/" + FLEET + "/upstreams/" + DATABASE, upstream).expect(200, 201);
        api.put("/api/v1/fleets/" + FLEET + "/users/" + USER, Map.of("password", PASSWORD)).expect(200, 201);
        api.put("/api/v1/fleets/" + FLEET + "/users/" + MONITOR, Map.of("password", MONITOR_PASSWORD, "console", "stats"))
                .expect(200, 201);

        for (String id : NODE_IDS) {
            NodeProcess node = NodeProcess.builder(id, workDir).controlPlane(controlPlane).token(nodeToken)
                    .property("pgfleet.node.stats-interval", INTERVAL_MS + "ms").build();
            nodes.put(id, node);
            node.start();
        }
        for (NodeProcess node : nodes.values()) {
            node.awaitReady(STARTUP);
        }
        // One transaction per pgbench transaction: a statement outside BEGIN, and a short explicit transaction.
        script = workDir.resolve("fleet-stats.sql");
        Files.writeString(script, "SELECT 1;\nBEGIN;\nSELECT pg_sleep(0.001);\nCOMMIT;\n", StandardCharsets.UTF_8);
        awaitAllReporting();
    }

    @AfterAll
    void stopFleet() {
        for (NodeProcess node : nodes.values()) {
            node.stop();
        }
        if (controlPlane != null) {
            controlPlane.stop();
        }
        E2ePostgres.close(postgres);
    }

    @Test
    @Order(1)
    void a_fleetTransactionTotalEqualsTheSumOfTheNodesShowStats() {
        assumeTrue(Pgbench.available() && Psql.available(), "pgbench and psql are needed");
        quiet();
        long from = System.currentTimeMillis();
        Map<String, Long> before = showStatsTransactions();

        List<CompletableFuture<Pgbench.Result>> runs = new ArrayList<>();
        for (NodeProcess node : nodes.values()) {
            runs.add(CompletableFuture.supplyAsync(() -> pgbench(node, "-c", "4", "-j", "2", "-T", "6")));
        }
        runs.forEach(run -> assertThat(run.join().exitCode()).as(run.join().output()).isZero());

        quiet();
        long to = System.currentTimeMillis();
        Map<String, Long> after = showStatsTransactions();
        long sumOfNodes = 0;
        JsonNode byNode = range("node", from, to, false);
        for (String id : NODE_IDS) {
            long nodeDelta = after.get(id) - before.get(id);
            assertThat(nodeDelta).as(id + " ran transactions").isGreaterThan(100);
            sumOfNodes += nodeDelta;
            assertThat(seriesOf(byNode, "node", id).path("total").path("totals").path("xact_count").asLong())
                    .as("the control plane's total for " + id + " vs its SHOW STATS").isEqualTo(nodeDelta);
        }
        JsonNode fleet = range("fleet", from, to, false).path("series").get(0).path("total");
        assertThat(fleet.path("totals").path("xact_count").asLong()).as("fleet transactions vs the sum of SHOW STATS")
                .isEqualTo(sumOfNodes);
        System.out.printf("step a: SHOW STATS deltas %s, fleet total %d%n", sumOfNodes,
                fleet.path("totals").path("xact_count").asLong());
        stepsPassed = 1;
    }

    @Test
    @Order(2)
    void b_theFleetP99IsTheP99OfTheMergedNodeHistograms() throws Exception {
        assumeTrue(stepsPassed >= 1, "step a failed");
        long to = System.currentTimeMillis();
        long from = to - 60_000;
        JsonNode byNode = range("node", from, to, true);
        Histogram merged = new Histogram(2);
        List<Long> nodeP99s = new ArrayList<>();
        for (String id : NODE_IDS) {
            Histogram h = decode(seriesOf(byNode, "node", id).path("total").path("histograms").path("xact").asText());
            nodeP99s.add(h.getValueAtPercentile(99));
            merged.add(h);
        }
        JsonNode fleet = range("fleet", from, to, true).path("series").get(0).path("total");
        JsonNode latency = fleet.path("latencyUs").path("xact");
        assertThat(latency.path("count").asLong()).as("every transaction is in the histograms")
                .isEqualTo(merged.getTotalCount()).isEqualTo(fleet.path("totals").path("xact_count").asLong());
        assertThat(latency.path("p99").asLong()).as("fleet p99 (node p99s were " + nodeP99s + ")")
                .isEqualTo(merged.getValueAtPercentile(99));
        assertThat(decode(fleet.path("histograms").path("xact").asText())).isEqualTo(merged);
        System.out.printf("step b: %d transactions, fleet p99 %d us, merged p99 %d us, node p99s %s us%n",
                merged.getTotalCount(), latency.path("p99").asLong(), merged.getValueAtPercentile(99), nodeP99s);
        stepsPassed = 2;
    }

    @Test
    @Order(3)
    void c_aNodeRestartedUnderLoadGivesNoNegativeOrSpikingRate() throws Exception {
        assumeTrue(stepsPassed >= 1, "step a failed");
        NodeProcess restarted = nodes.get("node-3");
        quiet();
        long from = System.currentTimeMillis();
        Map<String, Long> before = showStatsTransactions();
        String bootBefore = bootId("node-3");

        String rate = Integer.toString(RATE_PER_NODE);
        List<CompletableFuture<Pgbench.Result>> steady = new ArrayList<>();
        for (String id : List.of("node-1", "node-2")) {
            steady.add(CompletableFuture.supplyAsync(() -> pgbench(nodes.get(id), "-c", "2", "-R", rate, "-T", "30")));
        }
        // node-3 runs, stops, is reported, dies (kill -9), comes back with a new boot id, and runs again.
        Pgbench.Result first = pgbench(restarted, "-c", "2", "-R", rate, "-T", "6");
        assertThat(first.exitCode()).as(first.output()).isZero();
        sleep(3 * INTERVAL_MS);
        long beforeKill = showStatsTransactions(restarted);
        restarted.kill();
        restarted.start().awaitReady(STARTUP);
        awaitAllReporting();
        Pgbench.Result second = pgbench(restarted, "-c", "2", "-R", rate, "-T", "4");
        assertThat(second.exitCode()).as(second.output()).isZero();
        long afterRestart = showStatsTransactions(restarted);
        steady.forEach(run -> assertThat(run.join().exitCode()).as(run.join().output()).isZero());

        quiet();
        long to = System.currentTimeMillis();
        Map<String, Long> after = showStatsTransactions();
        JsonNode fleetRange = range("fleet", from, to, false);
        String bootAfter = bootId("node-3");
        assertThat(bootAfter).as("node-3 came back as a new process").isNotEqualTo(bootBefore);

        List<Double> rates = rates(fleetRange.path("series").get(0));
        assertThat(rates).as("fleet transactions per second, one point per report interval").isNotEmpty()
                .allMatch(r -> r >= 0, "never negative")
                .allMatch(r -> r <= 3 * OFFERED_PER_NODE * 1.75, "no spike above 1.75 × the offered load");
        // pgbench -R keeps node-3 near OFFERED_PER_NODE (it catches up after a stall, so a point
        // may reach about 1.5 ×); counting its first run again at the restart would put that
        // whole run (about 6 s × 80 = 480) into one point.
        List<Double> restartedRates = rates(seriesOf(range("node", from, to, false), "node", "node-3"));
        assertThat(restartedRates).as("node-3's transactions per second").isNotEmpty()
                .allMatch(r -> r >= 0, "never negative")
                .allMatch(r -> r <= OFFERED_PER_NODE * 2.5, "no spike above 2.5 × its offered load");

        long expected = (after.get("node-1") - before.get("node-1")) + (after.get("node-2") - before.get("node-2"))
                + (beforeKill - before.get("node-3")) + afterRestart;
        assertThat(fleetRange.path("series").get(0).path("total").path("totals").path("xact_count").asLong())
                .as("fleet total across the restart: nothing lost, nothing counted twice").isEqualTo(expected);
        System.out.printf("step c: boot %s -> %s, fleet total %d = sum of SHOW STATS, rates per second %s%n",
                bootBefore, bootAfter, expected, rates);
        System.out.printf("step c: node-3 rates per second %s%n", restartedRates);
    }

    // ---------------------------------------------------------------- helpers

    private Pgbench.Result pgbench(NodeProcess node, String... options) {
        List<String> args = new ArrayList<>(List.of("-n", "-f", script.toString()));
        args.addAll(List.of(options));
        return Pgbench.run(node.port(), USER, PASSWORD, DATABASE, args.toArray(String[]::new));
    }

    /** Three report intervals without traffic: every earlier transaction has been reported. */
    private static void quiet() {
        sleep(3 * INTERVAL_MS + 500);
    }

    private Map<String, Long> showStatsTransactions() {
        Map<String, Long> totals = new LinkedHashMap<>();
        nodes.forEach((id, node) -> totals.put(id, showStatsTransactions(node)));
        return totals;
    }

    /** total_xact_count of database "app" in the node's own SHOW STATS (psql, as the monitor user). */
    private static long showStatsTransactions(NodeProcess node) {
        Psql.Result result = Psql.runWithHeader("127.0.0.1", node.port(), MONITOR, MONITOR_PASSWORD, "pgbouncer", "SHOW STATS");
        assertThat(result.exitCode()).as(node.nodeId() + ": " + result.stderr()).isZero();
        List<String> lines = result.stdout().lines().toList();
        List<String> header = List.of(lines.get(0).split("\\|", -1));
        return lines.stream().skip(1).map(l -> l.split("\\|", -1)).filter(row -> row[0].equals(DATABASE))
                .mapToLong(row -> Long.parseLong(row[header.indexOf("total_xact_count")])).findFirst().orElse(0);
    }

    private JsonNode range(String by, long from, long to, boolean histograms) {
        Api.Response response = controlPlane.adminApi().get("/api/v1/stats/" + FLEET + "?by=" + by + "&from=" + from
                + "&to=" + to + "&step=" + (INTERVAL_MS / 1000) + "s&source=memory&histograms=" + histograms);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static JsonNode seriesOf(JsonNode range, String keyName, String keyValue) {
        for (JsonNode series : range.path("series")) {
            if (keyValue.equals(series.path("key").path(keyName).asText())) {
                return series;
            }
        }
        throw new AssertionError("no series " + keyName + "=" + keyValue + " in " + range);
    }

    private static List<Double> rates(JsonNode series) {
        List<Double> rates = new ArrayList<>();
        for (JsonNode point : series.path("points")) {
            rates.add(point.path("stats").path("ratesPerSecond").path("xact_count").asDouble());
        }
        return rates;
    }

    /** The boot id of the node's newest report, from the fleet-wide SHOW POOLS answer. */
    private String bootId(String node) {
        Api.Response response = controlPlane.adminApi().get("/api/v1/stats/" + FLEET + "/pools");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        for (JsonNode n : response.json().path("nodes")) {
            if (node.equals(n.path("node").asText())) {
                return n.path("bootId").asText();
            }
        }
        throw new AssertionError("node " + node + " not in " + response.body());
    }

    private static Histogram decode(String base64) throws Exception {
        if (base64 == null || base64.isEmpty()) {
            return new Histogram(2);
        }
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    }

    /** Every node is up in the control plane's stats and has reported at least twice more since now. */
    private void awaitAllReporting() {
        long since = System.currentTimeMillis();
        long deadline = System.nanoTime() + SYNC.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Api.Response response = controlPlane.adminApi().get("/api/v1/stats/" + FLEET + "/pools");
            last = response.status() + " " + response.body();
            if (response.status() == 200) {
                Map<String, JsonNode> byId = new LinkedHashMap<>();
                response.json().path("nodes").forEach(n -> byId.put(n.path("node").asText(), n));
                boolean all = NODE_IDS.stream().allMatch(id -> byId.containsKey(id)
                        && "up".equals(byId.get(id).path("status").asText())
                        && java.time.Instant.parse(byId.get(id).path("lastReport").asText()).toEpochMilli() > since + 2 * INTERVAL_MS);
                if (all) {
                    return;
                }
            }
            sleep(200);
        }
        throw new AssertionError("not every node reports stats: " + last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
