package io.pgfleet.controlplane.nodes;

import io.grpc.Status;
import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.controlplane.nodes.NodeSyncTestSupport.HandPlayedNode;
import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.testkit.PostgresServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.controlplane.TestTokens.given;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.await;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.count;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.databases;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.deleteIfPresent;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.execute;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.hasDatabase;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.holds;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.put;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.putUpstream;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.putUpstreamBehindTheServicesBack;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.startNode;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * Config distribution with real nodes, a real PostgreSQL and the node registry in it: fleet
 * scoping, admission, NOTIFY from another replica, rejections that outlive a stream, STALE
 * and DISCONNECTED. Polling is off here (see {@link PollingFallbackTest}). Tests share one
 * database; each removes from fleet {@code default} what it added there.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(NodeSyncProfile.class)
class NodeSyncTest {
    private static final Duration FEW_SECONDS = Duration.ofSeconds(5);

    @TestHTTPResource("/")
    URL controlPlane;

    private static String status(String nodeId) {
        return given().get("/api/v1/nodes/" + nodeId).then().statusCode(200).extract().path("status");
    }

    private static long appliedGeneration(String nodeId) {
        Number applied = given().get("/api/v1/nodes/" + nodeId).then().statusCode(200).extract().path("appliedGeneration");
        return applied.longValue();
    }

    @Test
    void aNodeJoinsTheFleetItsHelloNamesAndGetsOnlyThatFleetsResourcesAndRounds() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        // Fleet other: upstream X and a user of its own. Fleet default: a user of its own; its
        // upstream Y comes later, as a change while both nodes are connected.
        given().contentType(ContentType.JSON).body("{\"description\": \"fleet scoping\"}").put("/api/v1/fleets/other")
                .then().statusCode(201);
        putUpstream("other", "other_db", pg.host(), pg.port(), 201);
        put("/api/v1/fleets/other/users/other_user", "{\"password\": \"other-user-password\"}", 201);
        put("/api/v1/fleets/default/users/default_user", "{\"password\": \"default-user-password\"}", 201);
        try {
            try (FleetNode other = startNode(controlPlane, "other-1", "other");
                 FleetNode regular = startNode(controlPlane, "default-1", "default")) {
                await(() -> other.agent().connected() && regular.agent().connected(), FEW_SECONDS, "both nodes synced");
                // Distribution asks for the node's own fleet, at admission and for its snapshot.
                assertThat(RecordingDesiredState.TOKEN_CHECKS).contains("other", "default");
                assertThat(RecordingDesiredState.SNAPSHOTS).contains("other", "default");
                // Each node holds its own fleet's resources, credentials included, and nothing of the other's.
                assertThat(databases(other)).containsExactly("other_db");
                assertThat(users(other)).containsExactly("other_user");
                assertThat(databases(regular)).doesNotContain("other_db");
                assertThat(users(regular)).contains("default_user").doesNotContain("other_user");

                // A change to fleet default starts a round for default's nodes only.
                RecordingDesiredState.SNAPSHOTS.clear();
                putUpstream("default", "default_db", pg.host(), pg.port(), 201);
                await(() -> hasDatabase(regular, "default_db"), FEW_SECONDS, "default_db on the default node");
                assertThat(RecordingDesiredState.SNAPSHOTS).contains("default").doesNotContain("other");
                // A later change to fleet other reaches its node after default's change was committed;
                // once it is there, the other node has had every round it will get for it: without Y.
                putUpstream("other", "other_late_db", pg.host(), pg.port(), 201);
                await(() -> hasDatabase(other, "other_late_db"), FEW_SECONDS, "other_late_db on the other node");
                assertThat(databases(other)).as("a node of fleet other got fleet default's change")
                        .containsExactlyInAnyOrder("other_db", "other_late_db");
                assertThat(users(other)).containsExactly("other_user");
                assertThat(databases(regular)).contains("default_db").doesNotContain("other_db", "other_late_db");
                assertThat(users(regular)).contains("default_user").doesNotContain("other_user");

                given().queryParam("fleet", "other").get("/api/v1/nodes").then().statusCode(200)
                        .body("nodeId", hasItem("other-1")).body("nodeId", not(hasItem("default-1")))
                        .body("fleet", everyItem(equalTo("other")));
                given().queryParam("fleet", "default").get("/api/v1/nodes").then().statusCode(200)
                        .body("nodeId", hasItem("default-1")).body("nodeId", not(hasItem("other-1")));
                given().get("/api/v1/nodes").then().statusCode(200).body("nodeId", hasItem("default-1")).body("nodeId", hasItem("other-1"));
                given().get("/api/v1/nodes/other-1").then().statusCode(200)
                        .body("fleet", equalTo("other")).body("build", equalTo("test")).body("labels.zone", equalTo("test-a"))
                        .body("status", equalTo("SYNCED"));
            }
            given().get("/api/v1/nodes/no-such-node").then().statusCode(404).contentType("application/problem+json")
                    .body("status", equalTo(404));
        } finally {
            deleteIfPresent("/api/v1/fleets/default/upstreams/default_db");
            deleteIfPresent("/api/v1/fleets/default/users/default_user");
        }
    }

    @Test
    void aNodeOfAnUnknownFleetOrWithABadTokenIsRefusedAndWithTheRightTokenJoins() throws Exception {
        String token = "locked-fleet-bootstrap-token";
        given().get("/api/v1/fleets/ghost").then().statusCode(404);
        put("/api/v1/fleets/locked", "{\"bootstrapToken\": \"" + token + "\"}", 201);
        try (HandPlayedNode ghost = new HandPlayedNode(controlPlane, HandPlayedNode.hello("ghost-1", "ghost", "", 0));
             HandPlayedNode intruder = new HandPlayedNode(controlPlane, HandPlayedNode.hello("intruder-1", "locked", "s3cret-guess", 0));
             HandPlayedNode tokenless = new HandPlayedNode(controlPlane, HandPlayedNode.hello("tokenless-1", "locked", "", 0))) {
            Status unknown = ghost.ended.get(5, TimeUnit.SECONDS);
            assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(unknown.getDescription()).isEqualTo("fleet ghost does not exist");
            Status bad = intruder.ended.get(5, TimeUnit.SECONDS);
            assertThat(bad.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(bad.getDescription()).isEqualTo("invalid bootstrap token for fleet locked").doesNotContain("s3cret");
            Status none = tokenless.ended.get(5, TimeUnit.SECONDS);
            assertThat(none.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(none.getDescription()).isEqualTo("invalid bootstrap token for fleet locked");
            assertThat(ghost.pollPush(Duration.ZERO)).isNull();
            assertThat(intruder.pollPush(Duration.ZERO)).isNull();
            assertThat(tokenless.pollPush(Duration.ZERO)).isNull();
        }
        given().get("/api/v1/nodes/ghost-1").then().statusCode(404);
        given().get("/api/v1/nodes/intruder-1").then().statusCode(404);
        given().get("/api/v1/nodes/tokenless-1").then().statusCode(404);

        // With the fleet's token, a real node joins it.
        try (FleetNode admitted = startNode(controlPlane, "locked-1", "locked", token)) {
            await(() -> admitted.agent().connected(), FEW_SECONDS, "locked-1 synced");
            await(() -> "SYNCED".equals(status("locked-1")), FEW_SECONDS, "locked-1 SYNCED");
            given().get("/api/v1/nodes/locked-1").then().body("fleet", equalTo("locked"));

            // A replaced token (say, it leaked) ends the streams of nodes that joined with the old one.
            try (HandPlayedNode joinedEarlier = new HandPlayedNode(controlPlane, HandPlayedNode.hello("locked-2", "locked", token, 0))) {
                assertThat(joinedEarlier.pollPush(FEW_SECONDS)).as("joined with the token of the time").isNotNull();
                put("/api/v1/fleets/locked", "{\"bootstrapToken\": \"" + token + "-replaced\"}", 200);
                Status ended = joinedEarlier.ended.get(10, TimeUnit.SECONDS);
                assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(ended.getDescription()).contains("bootstrap token of fleet locked changed").doesNotContain(token);
                await(() -> !admitted.agent().connected(), FEW_SECONDS, "locked-1, still on the old token, cut off");
            }
        }
    }

    @Test
    void aChangeAnotherReplicaCommitsAndNotifiesReachesConnectedNodes() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        try (FleetNode node = startNode(controlPlane, "listen-1", "default")) {
            await(() -> node.agent().connected(), FEW_SECONDS, "node synced");
            putUpstreamBehindTheServicesBack("default", "notified_db", pg.host(), pg.port(), true);
            await(() -> hasDatabase(node, "notified_db"), FEW_SECONDS, "notified_db on the node");
        } finally {
            deleteIfPresent("/api/v1/fleets/default/upstreams/notified_db");
        }
    }

    @Test
    void aRefusedRevisionIsRecordedAndNeverSentAgainAfterAReconnect() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        try {
            // This replica's API refuses what nodes would refuse, so such a revision can only come
            // from another replica (say, an older build): written behind the service's back.
            given().contentType(ContentType.JSON).body("{\"host\": \"\", \"port\": 5432}")
                    .put("/api/v1/fleets/default/upstreams/broken_db").then().statusCode(400);
            long refused;
            try (FleetNode node = startNode(controlPlane, "nack-1", "default")) {
                await(() -> node.agent().connected(), FEW_SECONDS, "node synced");
                refused = putUpstreamBehindTheServicesBack("default", "broken_db", "", 5432, true);
                await(() -> "REJECTED".equals(status("nack-1")), FEW_SECONDS, "nack-1 REJECTED");
                String lastError = given().get("/api/v1/nodes/nack-1").then().extract().path("lastError");
                assertThat(lastError).isEqualTo("UPSTREAM broken_db revision " + refused + ": upstream \"broken_db\": host must not be empty");
                assertThat(count("SELECT count(*) FROM node_rejection WHERE node_id = ? AND kind = 'UPSTREAM' AND name = ? AND revision = ?",
                        "nack-1", "broken_db", refused)).isEqualTo(1);
                assertThat(hasDatabase(node, "broken_db")).isFalse();
            }
            await(() -> "DISCONNECTED".equals(status("nack-1")), FEW_SECONDS, "nack-1 DISCONNECTED");

            // The same node, restarted (new boot, holding nothing): everything but the refused revision.
            try (HandPlayedNode again = new HandPlayedNode(controlPlane, HandPlayedNode.hello("nack-1", "default", "", 0))) {
                ConfigPush first = again.nextPush(FEW_SECONDS);
                assertThat(first.getUpsertsList()).extracting(r -> r.getKey().getName()).doesNotContain("broken_db");
                again.ack(first.getGeneration());
                await(() -> appliedGeneration("nack-1") == first.getGeneration(), FEW_SECONDS, "the ACK of the first push recorded");
                assertThat(status("nack-1")).as("still lacks a revision it refused").isEqualTo("REJECTED");
                // Another round (another change) does not send it either.
                putUpstream("default", "bystander_db", pg.host(), pg.port(), 201);
                ConfigPush second = again.nextPush(FEW_SECONDS);
                assertThat(second.getUpsertsList()).extracting(r -> r.getKey().getName()).containsExactly("bystander_db");
                again.ack(second.getGeneration());

                // A newer revision of the resource is sent, and settles the rejection.
                long fixed = putUpstream("default", "broken_db", pg.host(), pg.port(), 200);
                ConfigPush third = again.nextPush(FEW_SECONDS);
                assertThat(third.getUpsertsList()).extracting(Resource::getRevision).containsExactly(fixed);
                again.ack(third.getGeneration());
                await(() -> "SYNCED".equals(status("nack-1")), FEW_SECONDS, "nack-1 SYNCED");
                assertThat((String) given().get("/api/v1/nodes/nack-1").then().extract().path("lastError")).isEmpty();
            }
        } finally {
            deleteIfPresent("/api/v1/fleets/default/upstreams/broken_db");
            deleteIfPresent("/api/v1/fleets/default/upstreams/bystander_db");
        }
    }

    @Test
    void aRejectionRecordedByAnotherReplicaHoldsHereAndTheNodeMovesOver() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        try {
            // Another replica held moved-1's stream, recorded a rejection, and died.
            long refused = putUpstream("default", "elsewhere_db", pg.host(), pg.port(), 201);
            execute("""
                    INSERT INTO node (node_id, boot_id, fleet, connected, replica, last_seen, applied_generation, rejected, last_error)
                    VALUES ('moved-1', 'old-boot', 'default', true, 'dead-replica', now() - interval '1 minute', ?, true, 'x')
                    """, refused);
            execute("INSERT INTO node_rejection (node_id, kind, name, revision, reason) VALUES ('moved-1', 'UPSTREAM', 'elsewhere_db', ?, 'refused elsewhere')",
                    refused);
            assertThat(status("moved-1")).isEqualTo("DISCONNECTED");

            try (HandPlayedNode moved = new HandPlayedNode(controlPlane, HandPlayedNode.hello("moved-1", "default", "", 0))) {
                ConfigPush first = moved.nextPush(FEW_SECONDS);
                assertThat(first.getUpsertsList()).extracting(r -> r.getKey().getName()).doesNotContain("elsewhere_db");
                moved.ack(first.getGeneration());
                await(() -> "REJECTED".equals(status("moved-1")), FEW_SECONDS, "moved-1 REJECTED");
                given().get("/api/v1/nodes/moved-1").then()
                        .body("lastError", equalTo("UPSTREAM elsewhere_db revision " + refused + ": refused elsewhere"));
                assertThat(count("SELECT count(*) FROM node WHERE node_id = 'moved-1' AND replica <> 'dead-replica' AND connected"))
                        .isEqualTo(1);
            }
        } finally {
            deleteIfPresent("/api/v1/fleets/default/upstreams/elsewhere_db");
        }
    }

    @Test
    void aPushNotAcknowledgedInTimeMakesTheNodeStale() throws Exception {
        try (HandPlayedNode silent = new HandPlayedNode(controlPlane, HandPlayedNode.hello("silent-1", "default", "", 0))) {
            ConfigPush push = silent.nextPush(FEW_SECONDS);
            assertThat(status("silent-1")).isEqualTo("SYNCED"); // within the ack timeout (2 s in this profile)
            await(() -> "STALE".equals(status("silent-1")), FEW_SECONDS, "silent-1 STALE");
            silent.ack(push.getGeneration());
            await(() -> "SYNCED".equals(status("silent-1")), FEW_SECONDS, "silent-1 SYNCED after its ACK");
            given().get("/api/v1/nodes/silent-1").then().body("appliedGeneration", equalTo((int) push.getGeneration()));
        }
        await(() -> "DISCONNECTED".equals(status("silent-1")), FEW_SECONDS, "silent-1 DISCONNECTED after its stream ended");
    }

    @Test
    void aNodeWhoseReplicaStoppedItsHeartbeatIsDisconnected() throws Exception {
        try (FleetNode node = startNode(controlPlane, "orphan-1", "default")) {
            await(() -> node.agent().connected(), FEW_SECONDS, "orphan-1 got its first push"); // registered by then
            await(() -> "SYNCED".equals(status("orphan-1")), FEW_SECONDS, "orphan-1 SYNCED");
            // Longer than three heartbeats (1 s here): the heartbeat keeps it connected all along.
            holds(() -> "SYNCED".equals(status("orphan-1")), Duration.ofMillis(3500), "orphan-1 SYNCED while its replica beats");
            // The replica holding the stream dies: its heartbeat stops.
            assertThat(execute("UPDATE node SET replica = 'dead-replica', last_seen = now() - interval '4 seconds' WHERE node_id = ?",
                    "orphan-1")).isEqualTo(1);
            assertThat(status("orphan-1")).isEqualTo("DISCONNECTED");
            // More than one heartbeat of this replica: it no longer refreshes the node.
            holds(() -> "DISCONNECTED".equals(status("orphan-1")), Duration.ofMillis(1500), "this replica no longer refreshes it");
        }
    }

    @Test
    void aPushNeverCarriesAGenerationBelowWhatTheNodeApplied() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        try (HandPlayedNode ahead = new HandPlayedNode(controlPlane, HandPlayedNode.hello("ahead-1", "default", "", 1_000_000))) {
            ConfigPush first = ahead.nextPush(FEW_SECONDS);
            assertThat(first.getGeneration()).isGreaterThanOrEqualTo(1_000_000);
            ahead.ack(first.getGeneration());
            putUpstream("default", "ahead_db", pg.host(), pg.port(), 201);
            ConfigPush second = ahead.nextPush(FEW_SECONDS);
            assertThat(second.getGeneration()).isGreaterThan(first.getGeneration());
            assertThat(second.getUpsertsList()).extracting(r -> r.getKey().getType()).containsExactly(ResourceType.UPSTREAM);
            ahead.ack(second.getGeneration());
        } finally {
            deleteIfPresent("/api/v1/fleets/default/upstreams/ahead_db");
        }
    }

    @Test
    void aNodeReportsItsStatsAsSoonAsItSyncsNotAfterItsFirstInterval() throws Exception {
        // The first report of a stream is the control plane's baseline: sent at once, it holds
        // next to nothing, so the traffic of the node's first interval is counted.
        try (FleetNode node = NodeSyncTestSupport.startNode(controlPlane, "stats-early", "default", "",
                java.util.UUID.randomUUID().toString(), Duration.ofHours(1))) {
            await(() -> node.agent().connected(), FEW_SECONDS, "stats-early synced");
            await(() -> given().get("/api/v1/stats/default/pools").then().extract().jsonPath()
                            .getList("nodes.node").contains("stats-early"),
                    FEW_SECONDS, "stats-early reported although its interval is an hour");
        }
    }

    @Test
    void statsNeedTheTokenTheNodesSyncStreamJoinedWith() throws Exception {
        String token = "stats-token-" + java.util.UUID.randomUUID();
        put("/api/v1/fleets/statsfleet", "{\"bootstrapToken\": \"" + token + "\"}", 201);
        String boot = "stats-2-boot";
        try (FleetNode node = startNode(controlPlane, "stats-2", "statsfleet", token, boot)) {
            await(() -> node.agent().connected(), FEW_SECONDS, "stats-2 synced");
            io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort())
                    .usePlaintext().build();
            try {
                assertThat(sendReport(channel, "stats-2", "wrong-" + token, boot)).as("the node's id with another token").isZero();
                assertThat(sendReport(channel, "stats-2", "", boot)).as("the node's id without a token").isZero();
                assertThat(sendReport(channel, "stats-2", token, "another-process"))
                        .as("the node's id and token, but not the boot id its Sync stream said hello with").isZero();
                assertThat(sendReport(channel, "stats-2", token, boot)).as("the node's id with its token and boot id").isEqualTo(1);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static long sendReport(io.grpc.ManagedChannel channel, String nodeId, String token, String bootId) throws Exception {
        java.util.concurrent.CompletableFuture<io.pgfleet.proto.v1.ReportReceipt> receipt = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<io.pgfleet.proto.v1.StatsReport> reports = io.pgfleet.proto.v1.StatsServiceGrpc.newStub(channel)
                .report(new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(io.pgfleet.proto.v1.ReportReceipt value) {
                        receipt.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        receipt.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        reports.onNext(io.pgfleet.proto.v1.StatsReport.newBuilder().setNodeId(nodeId).setBootId(bootId).setToken(token)
                .setNode(io.pgfleet.proto.v1.NodeStats.newBuilder().setClientConnections(999)).build());
        reports.onCompleted();
        return receipt.get(5, TimeUnit.SECONDS).getReportsAccepted();
    }

    @Test
    void statsAreTakenOnlyFromNodesWhoseSyncStreamThisReplicaHolds() throws Exception {
        try (FleetNode node = startNode(controlPlane, "stats-1", "default")) {
            await(() -> node.agent().connected(), FEW_SECONDS, "stats-1 synced");
            await(() -> "SYNCED".equals(status("stats-1")), FEW_SECONDS, "stats-1 SYNCED");
        }
        await(() -> "DISCONNECTED".equals(status("stats-1")), FEW_SECONDS, "stats-1 DISCONNECTED");
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort())
                .usePlaintext().build();
        try {
            assertThat(sendReport(channel, "stats-1", "", "forged")).as("a report for a node not connected here").isZero();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        given().get("/api/v1/nodes/stats-1").then().body("clientConnections", org.hamcrest.Matchers.not(999));
    }
}
