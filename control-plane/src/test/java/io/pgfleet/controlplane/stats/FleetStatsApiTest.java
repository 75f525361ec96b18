package io.pgfleet.controlplane.stats;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.controlplane.TestTokens;
import io.pgfleet.controlplane.nodes.ConfigDistributor;
import io.pgfleet.proto.v1.FleetStatsServiceGrpc;
import io.pgfleet.proto.v1.StatsQueryRequest;
import io.pgfleet.proto.v1.StatsQueryResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Fleet stats end to end: nodes over real gRPC (a held Sync stream and a Report stream), the
 * aggregation, the REST and gRPC queries, Prometheus, and the rollups in a real PostgreSQL.
 */
@QuarkusTest
@TestProfile(FleetStatsProfile.class)
@QuarkusTestResource(PostgresTestResource.class)
class FleetStatsApiTest {
    @TestHTTPResource("/")
    URL controlPlane;
    @Inject
    ConfigDistributor distributor;
    @Inject
    FleetStatsAggregator aggregator;
    @Inject
    RollupWriter rollupWriter;

    private static void createFleet(String fleet) {
        TestTokens.given().contentType(ContentType.JSON).body("{}").put("/api/v1/fleets/" + fleet)
                .then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(201)));
    }

    private StatsTestNode heldNode(String id, String fleet) throws Exception {
        return heldNode(id, "b", fleet);
    }

    /** A node whose Sync stream (Hello with {@code boot}) the control plane holds. */
    private StatsTestNode heldNode(String id, String boot, String fleet) throws Exception {
        StatsTestNode node = new StatsTestNode(controlPlane, id, boot, fleet, true);
        node.awaitSynced();
        await(() -> distributor.holds(id), "the control plane holds " + id);
        return node;
    }

    private static JsonPath query(String fleet, String params) {
        return TestTokens.given().get("/api/v1/stats/" + fleet + "?" + params).then().statusCode(200).extract().jsonPath();
    }

    private static long total(JsonPath r, String series, String counter) {
        return r.getLong(series + ".total.totals." + counter);
    }

    @Test
    void countersAcrossARestartGiveNoNegativeOrSpikingRateAndTheFirstReportIsABaseline() throws Exception {
        String fleet = "stats-restart";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        try (StatsTestNode a = heldNode("restart-a", "boot-1", fleet); StatsTestNode b = heldNode("restart-b", "boot-9", fleet)) {
            // a: baseline 1000 (since its boot, not in this replica's numbers), +100, +150;
            // then a restart (new boot id) counting from 0: 30, then +50.
            long[] aValues = {1000, 1100, 1250};
            for (long v : aValues) {
                a.report(Reports.report("restart-a", "boot-1", Reports.pool("db", "u", v).setClWaiting(2).build()));
                Thread.sleep(300);
            }
            b.report(Reports.report("restart-b", "boot-9", Reports.pool("db", "u", 5000).setClWaiting(3).build()));
            Thread.sleep(300);
            b.report(Reports.report("restart-b", "boot-9", Reports.pool("db", "u", 5100).setClWaiting(3).build()));
            a.restart("boot-2"); // a new process: a new Sync stream saying hello with its boot id
            a.report(Reports.report("restart-a", "boot-2", Reports.pool("db", "u", 30).setClWaiting(1).build()));
            Thread.sleep(300);
            a.report(Reports.report("restart-a", "boot-2", Reports.pool("db", "u", 80).setClWaiting(1).build()));

            String range = "from=" + (start - 5000) + "&step=1s";
            await(() -> total(query(fleet, range), "series[0]", "xact_count") == 100 + 150 + 30 + 50 + 100,
                    "fleet transactions = the sum of reset-safe deltas");
            JsonPath fleetTotals = query(fleet, range);
            assertThat(fleetTotals.getString("source")).isEqualTo("memory");
            // No step of the fleet shows a negative number or more than all the true deltas
            // together (reports 300 ms apart may share a 1 s step); counting a baseline (1000,
            // 5000) or the old boot again would.
            List<Map<String, Object>> points = fleetTotals.getList("series[0].points");
            assertThat(points).isNotEmpty();
            for (int i = 0; i < points.size(); i++) {
                long x = fleetTotals.getLong("series[0].points[" + i + "].stats.totals.xact_count");
                assertThat(x).isBetween(0L, 100L + 150 + 30 + 50 + 100);
                assertThat(fleetTotals.getDouble("series[0].points[" + i + "].stats.ratesPerSecond.xact_count")).isGreaterThanOrEqualTo(0);
            }
            // The fleet's total is the sum of the nodes' totals and of the pools'.
            JsonPath byNode = query(fleet, range + "&by=node");
            Map<String, Long> perNode = Map.of(
                    byNode.getString("series[0].key.node"), total(byNode, "series[0]", "xact_count"),
                    byNode.getString("series[1].key.node"), total(byNode, "series[1]", "xact_count"));
            assertThat(perNode).containsEntry("restart-a", 330L).containsEntry("restart-b", 100L);
            assertThat(total(query(fleet, range + "&by=pool"), "series[0]", "xact_count")).isEqualTo(430);
            assertThat(total(query(fleet, range + "&by=service"), "series[0]", "xact_count")).isEqualTo(430);
            assertThat(fleetTotals.getDouble("series[0].total.averages.avg_xact_time_us")).isEqualTo(1000.0);

            // SHOW POOLS now: gauges summed over the nodes.
            JsonPath pools = TestTokens.given().get("/api/v1/stats/" + fleet + "/pools").then().statusCode(200).extract().jsonPath();
            assertThat(pools.getLong("pools[0].gauges.cl_waiting")).isEqualTo(1 + 3);
            assertThat(pools.getList("nodes.status")).containsOnly("up");

            // Prometheus: monotonic sums of deltas, gauges summed.
            awaitMetrics("pgfleet_fleet_xact_count_total{database=\"db\",fleet=\"stats-restart\",user=\"u\"} 430.0",
                    "pgfleet_fleet_cl_waiting{database=\"db\",fleet=\"stats-restart\",user=\"u\"} 4.0",
                    "pgfleet_fleet_nodes{fleet=\"stats-restart\",status=\"up\"} 2.0");
        }
    }

    @Test
    void afterASessionBreakTheSameBootIsABaselineAndANewBootCountsFromZero() throws Exception {
        String fleet = "stats-wander";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        try (StatsTestNode same = heldNode("wander-same", "w1", fleet); StatsTestNode fresh = heldNode("wander-new", "n1", fleet)) {
            for (long v : new long[]{100, 200}) {
                same.report(Reports.report("wander-same", "w1", Reports.pool("db", "u", v).build()));
                fresh.report(Reports.report("wander-new", "n1", Reports.pool("db", "u", v).build()));
                Thread.sleep(300);
            }
            // Both Sync streams end here. wander-same's process (boot w1) comes back after
            // reporting to another replica, which counted 200 → 500; wander-new's comes back as
            // a new process (boot n2) that counted 30 since it started.
            same.restart("w1");
            fresh.restart("n2");
            same.report(Reports.report("wander-same", "w1", Reports.pool("db", "u", 500).build()));
            fresh.report(Reports.report("wander-new", "n2", Reports.pool("db", "u", 30).build()));
            Thread.sleep(300);
            same.report(Reports.report("wander-same", "w1", Reports.pool("db", "u", 550).build()));
            fresh.report(Reports.report("wander-new", "n2", Reports.pool("db", "u", 80).build()));

            String range = "from=" + (start - 5000) + "&step=1s&by=node";
            await(() -> {
                JsonPath r = query(fleet, range);
                return r.getList("series").size() == 2 && total(r, "series[0]", "xact_count") + total(r, "series[1]", "xact_count") >= 100 + 50 + 100 + 80;
            }, "both nodes' deltas");
            Thread.sleep(1500);
            JsonPath byNode = query(fleet, range);
            Map<String, Long> perNode = Map.of(
                    byNode.getString("series[0].key.node"), total(byNode, "series[0]", "xact_count"),
                    byNode.getString("series[1].key.node"), total(byNode, "series[1]", "xact_count"));
            assertThat(perNode).as("same boot after the break: 100, then a baseline (500), then +50; new boot: 100, then 30 and +50 from 0")
                    .containsEntry("wander-same", 150L).containsEntry("wander-new", 180L);
        }
    }

    @Test
    void aReportWithAGarbageHistogramStillAppliesItsBootAndCountersSoTheNextIsNotCountedTwice() throws Exception {
        String fleet = "stats-garbage";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        long rejected = aggregator.histogramsRejected();
        // Through the stats queue as the gRPC receiver submits them: a baseline (boot g1), then
        // the first report of a new boot (g2, counting from 0) carrying bytes that are not a
        // histogram, then the next report of g2.
        aggregator.accept(fleet, Reports.report("garbage", "g1", Reports.pool("db", "u", 1000).build()));
        aggregator.accept(fleet, Reports.report("garbage", "g2", Reports.pool("db", "u", 10)
                .setQueryLatencyUs(com.google.protobuf.ByteString.copyFromUtf8("not a histogram at all")).setClWaiting(4).build()));
        aggregator.accept(fleet, Reports.report("garbage", "g2", Reports.pool("db", "u", 20)
                .setQueryLatencyUs(Reports.histogram(2000, 10)).setClWaiting(4).build()));
        String range = "from=" + (start - 5000) + "&step=1s";
        await(() -> total(query(fleet, range), "series[0]", "xact_count") >= 20, "the reports taken");
        Thread.sleep(1500);
        JsonPath r = query(fleet, range);
        assertThat(total(r, "series[0]", "xact_count")).as("10 from 0 in the new boot, then +10; not 10 + 20").isEqualTo(20);
        assertThat(r.getLong("series[0].total.latencyUs.query.count")).as("only the good histogram").isEqualTo(10);
        assertThat(aggregator.latest(fleet).get(0).bootId()).isEqualTo("g2");
        assertThat(aggregator.histogramsRejected()).isEqualTo(rejected + 1);
    }

    @Test
    void fleetPercentilesComeFromTheMergedHistogramsNotFromAveragedPercentiles() throws Exception {
        String fleet = "stats-histograms";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        try (StatsTestNode fast = heldNode("hist-fast", fleet); StatsTestNode slow = heldNode("hist-slow", fleet)) {
            fast.report(Reports.report("hist-fast", "b", Reports.pool("db", "u", 0).build()));
            slow.report(Reports.report("hist-slow", "b", Reports.pool("db", "u", 0).build()));
            Thread.sleep(300);
            // fast: 1000 queries of 1 ms; slow: 100 of 100 ms. Merged, the slowest 1% are 100 ms.
            fast.report(Reports.report("hist-fast", "b", Reports.pool("db", "u", 1000)
                    .setQueryLatencyUs(Reports.histogram(1_000, 1000)).setXactLatencyUs(Reports.histogram(1_000, 1000)).build()));
            slow.report(Reports.report("hist-slow", "b", Reports.pool("db", "u", 100)
                    .setQueryLatencyUs(Reports.histogram(100_000, 100)).setXactLatencyUs(Reports.histogram(100_000, 100)).build()));
            String range = "from=" + (start - 5000) + "&step=1s&histograms=true";
            await(() -> query(fleet, range).getLong("series[0].total.latencyUs.query.count") == 1100, "both histograms merged");

            JsonPath total = query(fleet, range);
            JsonPath byNode = query(fleet, range + "&by=node");
            Histogram merged = new Histogram(2);
            double sumOfNodeP99 = 0;
            for (int i = 0; i < 2; i++) {
                Histogram h = decode(byNode.getString("series[" + i + "].total.histograms.query"));
                assertThat(byNode.getLong("series[" + i + "].total.latencyUs.query.p99")).isEqualTo(h.getValueAtPercentile(99));
                sumOfNodeP99 += h.getValueAtPercentile(99);
                merged.add(h);
            }
            long fleetP99 = total.getLong("series[0].total.latencyUs.query.p99");
            assertThat(fleetP99).isEqualTo(merged.getValueAtPercentile(99));
            assertThat(decode(total.getString("series[0].total.histograms.query")).getValueAtPercentile(99)).isEqualTo(fleetP99);
            assertThat(fleetP99).as("p99 of the merge, not the average of the nodes' p99s")
                    .isGreaterThanOrEqualTo(99_000).isNotEqualTo((long) (sumOfNodeP99 / 2));
            assertThat(total.getLong("series[0].total.latencyUs.query.p50")).isBetween(990L, 1010L);

            awaitMetrics("pgfleet_fleet_query_latency_seconds{fleet=\"stats-histograms\",quantile=\"0.99\"} " + (fleetP99 / 1e6),
                    "pgfleet_fleet_xact_time_seconds_total{database=\"db\",fleet=\"stats-histograms\",user=\"u\"} 1.1");

            // The same over gRPC, with a viewer token.
            String viewer = TestTokens.given().contentType(ContentType.JSON).body("{\"name\": \"stats-viewer-grpc\", \"role\": \"viewer\"}")
                    .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
            ManagedChannel channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
            try {
                StatsQueryRequest request = StatsQueryRequest.newBuilder().setFleet(fleet).setFromMs(start - 5000).setStepMs(1000)
                        .setHistograms(true).build();
                StatsQueryResponse r = withToken(FleetStatsServiceGrpc.newBlockingStub(channel), viewer).queryStats(request);
                assertThat(r.getSeries(0).getTotal().getLatencyUsOrThrow("query").getP99()).isEqualTo(fleetP99);
                assertThat(r.getSeries(0).getTotal().getTotalsOrThrow("xact_count")).isEqualTo(1100);
                assertThatThrownBy(() -> FleetStatsServiceGrpc.newBlockingStub(channel).queryStats(request))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
                assertThatThrownBy(() -> withToken(FleetStatsServiceGrpc.newBlockingStub(channel), viewer)
                        .queryStats(request.toBuilder().setFleet("no-such-fleet").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void aNodeThatStopsReportingLeavesTheGaugesAfterThreeIntervalsAndIsFlaggedStale() throws Exception {
        String fleet = "stats-stale";
        createFleet(fleet);
        try (StatsTestNode a = heldNode("stale-a", fleet); StatsTestNode b = heldNode("stale-b", fleet)) {
            a.report(Reports.report("stale-a", "b", Reports.pool("db", "u", 1).setClWaiting(5).setMaxwaitUs(7_000_000).build()));
            b.report(Reports.report("stale-b", "b", Reports.pool("db", "u", 1).setClWaiting(2).setMaxwaitUs(1_000_000).build()));
            Supplier<JsonPath> pools = () -> TestTokens.given().get("/api/v1/stats/" + fleet + "/pools").then().statusCode(200)
                    .extract().jsonPath();
            await(() -> pools.get().getList("nodes").size() == 2 && pools.get().getInt("pools[0].gauges.cl_waiting") == 7,
                    "both nodes' gauges");
            assertThat(pools.get().getLong("pools[0].gauges.maxwait_us")).as("GAUGE_MAX: the longest wait").isEqualTo(7_000_000);
            // b keeps reporting every interval (1 s); a stops.
            long until = System.currentTimeMillis() + 4500;
            while (System.currentTimeMillis() < until) {
                Thread.sleep(500);
                b.report(Reports.report("stale-b", "b", Reports.pool("db", "u", 1).setClWaiting(2).setMaxwaitUs(1_000_000).build()));
            }
            JsonPath now = pools.get();
            assertThat(now.getString("nodes.find { it.node == 'stale-a' }.status")).isEqualTo("stale");
            assertThat(now.getString("nodes.find { it.node == 'stale-b' }.status")).isEqualTo("up");
            assertThat(now.getInt("pools[0].gauges.cl_waiting")).isEqualTo(2);
            assertThat(now.getLong("pools[0].gauges.maxwait_us")).isEqualTo(1_000_000);
            assertThat(now.getBoolean("pools[0].nodes.find { it.node == 'stale-a' }.stale")).isTrue();
            awaitMetrics("pgfleet_fleet_nodes{fleet=\"stats-stale\",status=\"stale\"} 1.0",
                    "pgfleet_fleet_cl_waiting{database=\"db\",fleet=\"stats-stale\",user=\"u\"} 2.0");
            assertThat(query(fleet, "by=node").getList("nodes.status")).contains("stale", "up");
        }
    }

    @Test
    void aReportFromANodeThisReplicaDoesNotHoldIsIgnored() throws Exception {
        String fleet = "stats-ghost";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        try (StatsTestNode held = heldNode("ghost-held", fleet); StatsTestNode ghost = new StatsTestNode(controlPlane, "ghost", fleet, false)) {
            for (long v : new long[]{0, 10}) {
                held.report(Reports.report("ghost-held", "b", Reports.pool("db", "u", v).build()));
                ghost.report(Reports.report("ghost", "b", Reports.pool("db", "u", v * 1000).setClWaiting(99).build()));
                Thread.sleep(300);
            }
            assertThat(ghost.finishReports()).as("accepted from a client without a held Sync stream").isZero();
            assertThat(held.finishReports()).isEqualTo(2);
            await(() -> total(query(fleet, "from=" + (start - 5000) + "&step=1s"), "series[0]", "xact_count") == 10, "held node's delta");
            Thread.sleep(1500);
            JsonPath r = query(fleet, "from=" + (start - 5000) + "&step=1s&by=node");
            assertThat(r.getList("series.key.node")).containsExactly("ghost-held");
            assertThat(total(r, "series[0]", "xact_count")).isEqualTo(10);
            JsonPath pools = TestTokens.given().get("/api/v1/stats/" + fleet + "/pools").then().extract().jsonPath();
            assertThat(pools.getInt("pools[0].gauges.cl_waiting")).isZero();
        }
    }

    @Test
    void aReportWithTheNodesTokenButAnotherBootIdThanItsHelloIsIgnored() throws Exception {
        String fleet = "stats-twin";
        createFleet(fleet);
        long start = System.currentTimeMillis();
        // Two processes with one node id and the fleet's token: the held Sync stream said hello
        // with boot p1; the other process's reports (boot p2) would alternate with p1's, each
        // one a "restart" adding its whole totals.
        try (StatsTestNode held = heldNode("twin", "p1", fleet); StatsTestNode other = new StatsTestNode(controlPlane, "twin", "p2", fleet, false)) {
            for (long v : new long[]{0, 10, 20}) {
                held.report(Reports.report("twin", "p1", Reports.pool("db", "u", v).build()));
                other.report(Reports.report("twin", "p2", Reports.pool("db", "u", 1000 + v).setClWaiting(99).build()));
                Thread.sleep(300);
            }
            assertThat(other.finishReports()).as("accepted with the node's id and token but another boot id").isZero();
            assertThat(held.finishReports()).isEqualTo(3);
            await(() -> total(query(fleet, "from=" + (start - 5000) + "&step=1s"), "series[0]", "xact_count") == 20, "the held boot's deltas");
            Thread.sleep(1500);
            assertThat(total(query(fleet, "from=" + (start - 5000) + "&step=1s"), "series[0]", "xact_count")).isEqualTo(20);
            JsonPath pools = TestTokens.given().get("/api/v1/stats/" + fleet + "/pools").then().extract().jsonPath();
            assertThat(pools.getInt("pools[0].gauges.cl_waiting")).isZero();
        }
    }

    @Test
    void badQueriesAreProblemsAndOnlyTokensMayQuery() {
        createFleet("stats-auth");
        RestAssured.get("/api/v1/stats/stats-auth").then().statusCode(401).contentType(startsWith("application/problem+json"));
        RestAssured.get("/api/v1/stats/stats-auth/pools").then().statusCode(401);
        String viewer = TestTokens.given().contentType(ContentType.JSON).body("{\"name\": \"stats-viewer\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
        RestAssured.given().header("Authorization", "Bearer " + viewer).get("/api/v1/stats/stats-auth").then().statusCode(200)
                .body("source", equalTo("memory")).body("series[0].total.totals.xact_count", equalTo(0));
        RestAssured.given().header("Authorization", "Bearer " + viewer).get("/api/v1/stats/stats-auth/pools").then().statusCode(200);

        problem("/api/v1/stats/no-such-fleet", 404, "does not exist");
        problem("/api/v1/stats/no-such-fleet/pools", 404, "does not exist");
        problem("/api/v1/stats/stats-auth?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", 400, "from must be before to");
        problem("/api/v1/stats/stats-auth?source=1m&step=10s", 400, "step must be at least 60 s");
        problem("/api/v1/stats/stats-auth?step=1500ms", 400, "step must be a positive duration");
        problem("/api/v1/stats/stats-auth?step=PT1.5S", 400, "step must be a multiple of 1 s");
        problem("/api/v1/stats/stats-auth?by=planet", 400, "by must be one of");
        problem("/api/v1/stats/stats-auth?from=yesterday", 400, "from must be an ISO-8601 instant");
        problem("/api/v1/stats/stats-auth?source=memory&from=0&step=1s", 400, "points");
    }

    @Test
    void aRangeWithTooManySeriesTimesStepsIsRefusedNotAnswered() throws Exception {
        String fleet = "stats-points";
        createFleet(fleet);
        // 60 nodes over 40 steps of 1 s: 40 steps (fine) but 2400 points by node, past the
        // profile's max-points of 2000.
        long first = (System.currentTimeMillis() / 1000 - 60) * 1000;
        aggregator.onStatsThread(() -> {
            for (int s = 0; s < 40; s++) {
                for (int n = 0; n < 60; n++) {
                    aggregator.ingest(fleet, Reports.report("points-" + n, "b", Reports.pool("db", "u", s)
                            .setQueryLatencyUs(Reports.histogram(1000, 1)).build()), first + s * 1000L);
                }
            }
        });
        String range = "from=" + first + "&to=" + (first + 40_000) + "&step=1s&source=memory";
        await(() -> aggregator.sealedUntilMs(fleet) >= first + 40_000, "the steps sealed");
        problem("/api/v1/stats/" + fleet + "?" + range + "&by=node", 400, "points");
        problem("/api/v1/stats/" + fleet + "?" + range + "&by=node", 400, "by=fleet");
        JsonPath fleetWide = query(fleet, range);
        assertThat(fleetWide.getList("series[0].points")).hasSize(40);
        assertThat(total(fleetWide, "series[0]", "xact_count")).isEqualTo(60L * 39);
        assertThat(fleetWide.getLong("series[0].points[1].stats.totals.xact_count")).isEqualTo(60);
        assertThat(fleetWide.getLong("series[0].total.latencyUs.query.count")).isEqualTo(60L * 39);
        // by=node over fewer steps: 60 × 30 = 1800 points, answered, each point in order
        JsonPath byNode = query(fleet, "from=" + first + "&to=" + (first + 30_000) + "&step=1s&source=memory&by=node");
        assertThat(byNode.getList("series")).hasSize(60);
        assertThat(byNode.getList("series[0].points")).hasSize(30);
        assertThat(byNode.getLong("series[0].points[29].stats.totals.xact_count")).isEqualTo(1);
    }

    private static void problem(String path, int status, String detail) {
        TestTokens.given().get(path).then().statusCode(status).contentType(startsWith("application/problem+json"))
                .body("status", equalTo(status)).body("detail", containsString(detail));
    }

    @Test
    void minuteRollupsLandInPostgresAndARangeOverThemGivesTheSameTotals() throws Exception {
        String fleet = "stats-rollup";
        createFleet(fleet);
        // Reports of the minute before last, fed straight into the aggregation at their receive
        // times (the same path the gRPC receiver takes after its checks).
        long minute = (System.currentTimeMillis() / 60_000 - 2) * 60_000;
        aggregator.onStatsThread(() -> {
            for (int s = 0; s < 12; s++) {
                for (String node : List.of("r1", "r2", "r3")) {
                    long x = s * (node.equals("r1") ? 10 : 7);
                    aggregator.ingest(fleet, Reports.report(node, "b", Reports.pool("db", "u", x)
                            .setQueryLatencyUs(s == 0 ? com.google.protobuf.ByteString.EMPTY : Reports.histogram(500L * (s + 1), x))
                            .build(), Reports.pool("db2", "v", 2 * x).build()), minute + s * 5_000L);
                }
            }
        });
        await(() -> {
            try {
                rollupWriter.flushMinutes();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return rows(fleet, minute) > 0;
        }, "the minute written");
        try (Connection c = DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password");
             PreparedStatement s = c.prepareStatement("SELECT kind, count(*) FROM stats_1m WHERE fleet = ? AND bucket = ? GROUP BY kind ORDER BY kind")) {
            s.setString(1, fleet);
            s.setTimestamp(2, new java.sql.Timestamp(minute));
            StringBuilder kinds = new StringBuilder();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    kinds.append(rs.getString(1)).append('=').append(rs.getLong(2)).append(' ');
                }
            }
            assertThat(kinds.toString().strip()).isEqualTo("fleet=1 node=3 pool=2 service=2");
        }
        String range = "from=" + minute + "&to=" + (minute + 60_000) + "&step=60s";
        JsonPath memory = query(fleet, range + "&source=memory");
        JsonPath rollup = query(fleet, range + "&source=1m");
        assertThat(rollup.getString("source")).isEqualTo("rollup-1m");
        long expected = 11 * 10 + 11 * 7 * 2 + 2 * (11 * 10 + 11 * 7 * 2); // both pools: db/u and db2/v (twice as much)
        assertThat(total(memory, "series[0]", "xact_count")).isEqualTo(expected);
        assertThat(total(rollup, "series[0]", "xact_count")).isEqualTo(expected);
        assertThat(rollup.getMap("series[0].total.totals")).isEqualTo(memory.getMap("series[0].total.totals"));
        assertThat(rollup.getLong("series[0].total.latencyUs.query.p99")).isEqualTo(memory.getLong("series[0].total.latencyUs.query.p99"))
                .isPositive();
        assertThat(query(fleet, range + "&source=1m&by=node").getList("series.key.node")).containsExactly("r1", "r2", "r3");
    }

    @Test
    void finishedHoursAreRolledUpOnceFromEveryReplicasMinuteRows() throws Exception {
        String fleet = "stats-hourly";
        createFleet(fleet);
        // Three hours ago: older than the in-memory history, so only the rollups keep it, and
        // more than RollupWriter.HOUR_GRACE past its end.
        long hour = (System.currentTimeMillis() / 3_600_000 - 3) * 3_600_000;
        aggregator.onStatsThread(() -> {
            for (int m = 0; m < 3; m++) {
                for (int s = 0; s < 2; s++) {
                    long x = (m * 2 + s) * 5L;
                    aggregator.ingest(fleet, Reports.report("h1", "b", Reports.pool("db", "u", x)
                            .setQueryLatencyUs(Reports.histogram(2_000L * (m + 1), 5)).build()), hour + m * 600_000L + s * 10_000L);
                }
            }
        });
        await(() -> {
            try {
                rollupWriter.flushMinutes();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return rows(fleet, hour + 1_200_000) > 0;
        }, "the minutes written");
        // The same rows as another replica would have written them: they add up.
        try (Connection c = DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password")) {
            c.createStatement().executeUpdate("INSERT INTO stats_1m SELECT bucket, fleet, kind, node_id, database, username, "
                    + "application_name, 'other-replica', counters, query_latency_us, xact_latency_us, wait_latency_us FROM stats_1m "
                    + "WHERE fleet = '" + fleet + "'");
        }
        rollupWriter.rollUpHours(System.currentTimeMillis());
        rollupWriter.rollUpHours(System.currentTimeMillis()); // once only
        String range = "from=" + hour + "&to=" + (hour + 3_600_000) + "&step=1h";
        JsonPath minutes = query(fleet, range + "&source=1m");
        JsonPath hours = query(fleet, range + "&source=1h");
        assertThat(hours.getString("source")).isEqualTo("rollup-1h");
        assertThat(total(minutes, "series[0]", "xact_count")).isEqualTo(2 * 25);
        assertThat(total(hours, "series[0]", "xact_count")).isEqualTo(2 * 25);
        assertThat(hours.getLong("series[0].total.latencyUs.query.p99")).isEqualTo(minutes.getLong("series[0].total.latencyUs.query.p99"));
        problem("/api/v1/stats/" + fleet + "?from=" + hour + "&step=10s", 400, "whole number of minutes");
    }

    private static long rows(String fleet, long minute) {
        try (Connection c = DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password");
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM stats_1m WHERE fleet = ? AND bucket = ?")) {
            s.setString(1, fleet);
            s.setTimestamp(2, new java.sql.Timestamp(minute));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        }
    }

    private static <S extends io.grpc.stub.AbstractStub<S>> S withToken(S stub, String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static void awaitMetrics(String... lines) throws InterruptedException {
        String[] last = {""};
        try {
            await(() -> {
                last[0] = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
                return java.util.Arrays.stream(lines).allMatch(last[0]::contains);
            }, "metrics");
        } catch (AssertionError e) {
            assertThat(last[0]).contains(lines);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                // not there yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
