package io.pgfleet.controlplane.nodes;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.controlplane.TestTokens;
import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.agent.AgentSettings;
import io.pgfleet.proto.v1.Ack;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.restassured.http.ContentType;

import java.net.URL;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

/**
 * Nodes, a node played by hand over gRPC, the REST API as the admin, and a plain database
 * connection ("another replica").
 */
final class NodeSyncTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeSyncTestSupport() {
    }

    static FleetNode startNode(URL controlPlane, String nodeId, String fleet) throws InterruptedException {
        return startNode(controlPlane, nodeId, fleet, "");
    }

    /** A real node of {@code fleet} presenting {@code bootstrapToken} ("" for none). */
    static FleetNode startNode(URL controlPlane, String nodeId, String fleet, String bootstrapToken) throws InterruptedException {
        return startNode(controlPlane, nodeId, fleet, bootstrapToken, UUID.randomUUID().toString());
    }

    /** A real node of {@code fleet} presenting {@code bootstrapToken}, with this boot id. */
    static FleetNode startNode(URL controlPlane, String nodeId, String fleet, String bootstrapToken, String bootId)
            throws InterruptedException {
        return startNode(controlPlane, nodeId, fleet, bootstrapToken, bootId, Duration.ofSeconds(1));
    }

    /** As above, reporting stats every {@code statsInterval}. */
    static FleetNode startNode(URL controlPlane, String nodeId, String fleet, String bootstrapToken, String bootId,
                               Duration statsInterval) throws InterruptedException {
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId(nodeId).setBootId(bootId)
                .setFleet(fleet).setBuild("test").putLabels("zone", "test-a").build();
        return FleetNode.start(PoolerSettings.defaults("127.0.0.1", 0),
                new AgentSettings(controlPlane.getHost() + ":" + controlPlane.getPort(), true, identity, bootstrapToken,
                        statsInterval));
    }

    static boolean hasDatabase(FleetNode node, String database) {
        return node.config().current().databases().containsKey(database);
    }

    static Set<String> databases(FleetNode node) {
        return node.config().current().databases().keySet();
    }

    static Set<String> users(FleetNode node) {
        return node.config().current().users().keySet();
    }

    static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within + " waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Asserts that {@code condition} holds at every look for the whole of {@code during}: for
     * what must stay true (or keep not happening) over a span of time, not just at its end.
     */
    static void holds(BooleanSupplier condition, Duration during, String what) throws InterruptedException {
        long end = System.nanoTime() + during.toNanos();
        do {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("no longer true: " + what);
            }
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        if (!condition.getAsBoolean()) {
            throw new AssertionError("no longer true: " + what);
        }
    }

    static Connection database() throws SQLException {
        return DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password");
    }

    /**
     * Writes an upstream of {@code fleet} as another replica's FleetService would, bypassing
     * this replica's service (and its validation): in one transaction, under the fleet's
     * advisory lock, a new revision from {@code config_revision}, the {@code desired_resource}
     * row in its stored form, and the {@code config_change} row that makes the revision the
     * fleet's generation (see FleetService.snapshot); with {@code notify}, also that replica's
     * NOTIFY. Returns the revision.
     */
    static long putUpstreamBehindTheServicesBack(String fleet, String name, String host, int port, boolean notify)
            throws SQLException {
        ObjectNode spec = JSON.createObjectNode();
        spec.putArray("hosts").addObject().put("host", host).put("port", port);
        spec.put("dbname", name);
        try (Connection c = database()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('pgfleet.fleet.' || ?))")) {
                    s.setString(1, fleet);
                    s.executeQuery().close();
                }
                long revision;
                try (ResultSet rs = c.createStatement().executeQuery("SELECT nextval('config_revision')")) {
                    rs.next();
                    revision = rs.getLong(1);
                }
                String before = null;
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT spec::text FROM desired_resource WHERE fleet = ? AND kind = 'upstream' AND name = ?")) {
                    s.setString(1, fleet);
                    s.setString(2, name);
                    try (ResultSet rs = s.executeQuery()) {
                        if (rs.next()) {
                            before = rs.getString(1);
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO config_change (revision, fleet, kind, name, action, actor, summary, before, after)
                        VALUES (?, ?, 'upstream', ?, ?, 'another-replica', ?, ?::jsonb, ?::jsonb)
                        """)) {
                    String action = before == null ? "create" : "update";
                    s.setLong(1, revision);
                    s.setString(2, fleet);
                    s.setString(3, name);
                    s.setString(4, action);
                    s.setString(5, action + " upstream " + name);
                    s.setString(6, before);
                    s.setString(7, spec.toString());
                    s.executeUpdate();
                }
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO desired_resource (fleet, kind, name, spec, revision, updated_by)
                        VALUES (?, 'upstream', ?, ?::jsonb, ?, 'another-replica')
                        ON CONFLICT (fleet, kind, name) DO UPDATE SET spec = EXCLUDED.spec, revision = EXCLUDED.revision,
                            updated_at = now(), updated_by = EXCLUDED.updated_by
                        """)) {
                    s.setString(1, fleet);
                    s.setString(2, name);
                    s.setString(3, spec.toString());
                    s.setLong(4, revision);
                    s.executeUpdate();
                }
                if (notify) {
                    try (PreparedStatement s = c.prepareStatement("SELECT pg_notify('pgfleet_config', ?)")) {
                        s.setString(1, fleet + ":" + revision);
                        s.executeQuery().close();
                    }
                }
                c.commit();
                return revision;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** PUT of a resource through the API, as the admin; returns the revision the change took. */
    static long put(String path, String json, int expectedStatus) {
        Number revision = TestTokens.given().contentType(ContentType.JSON).body(json).put(path)
                .then().statusCode(expectedStatus).extract().path("revision");
        return revision.longValue();
    }

    /** An upstream with one host, through the API. */
    static long putUpstream(String fleet, String name, String host, int port, int expectedStatus) {
        return put("/api/v1/fleets/" + fleet + "/upstreams/" + name,
                "{\"host\": \"" + host + "\", \"port\": " + port + ", \"dbname\": \"pgfleet\"}", expectedStatus);
    }

    /** Deletes a resource through the API if it exists (cleanup; fine when a test failed before creating it). */
    static void deleteIfPresent(String path) {
        TestTokens.given().delete(path).then().statusCode(anyOf(equalTo(200), equalTo(404)));
    }

    static int execute(String sql, Object... parameters) throws SQLException {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate();
        }
    }

    static long count(String sql, Object... parameters) throws SQLException {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A node played by hand: a real gRPC client of the real Sync service that answers only when told to. */
    static final class HandPlayedNode implements AutoCloseable {
        private final ManagedChannel channel;
        private final BlockingQueue<ConfigPush> pushes = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> ended = new CompletableFuture<>();
        private final StreamObserver<NodeMessage> requests;

        HandPlayedNode(URL controlPlane, Hello hello) {
            channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
            requests = NodeServiceGrpc.newStub(channel).sync(new StreamObserver<>() {
                @Override
                public void onNext(ControlMessage message) {
                    if (message.hasPush()) {
                        pushes.add(message.getPush());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    ended.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    ended.complete(Status.OK);
                }
            });
            requests.onNext(NodeMessage.newBuilder().setHello(hello).build());
        }

        static Hello hello(String nodeId, String fleet, String token, long appliedGeneration) {
            return Hello.newBuilder().setIdentity(NodeIdentity.newBuilder().setNodeId(nodeId)
                            .setBootId(UUID.randomUUID().toString()).setFleet(fleet).setBuild("hand"))
                    .setToken(token).setAppliedGeneration(appliedGeneration).build();
        }

        ConfigPush nextPush(Duration within) throws InterruptedException {
            ConfigPush push = pushes.poll(within.toMillis(), TimeUnit.MILLISECONDS);
            if (push == null) {
                throw new AssertionError("no push within " + within);
            }
            return push;
        }

        ConfigPush pollPush(Duration within) throws InterruptedException {
            return pushes.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        }

        void ack(long generation) {
            requests.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder().setGeneration(generation)).build());
        }

        @Override
        public void close() throws InterruptedException {
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // the call is over already
            }
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
