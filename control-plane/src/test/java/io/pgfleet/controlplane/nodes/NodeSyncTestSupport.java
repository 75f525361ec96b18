package io.pgfleet.controlplane.nodes;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.PostgresTestResource;
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

import java.net.URL;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Nodes, a node played by hand over gRPC, and a plain database connection ("another replica"). */
final class NodeSyncTestSupport {
    private NodeSyncTestSupport() {
    }

    static FleetNode startNode(URL controlPlane, String nodeId, String fleet) throws InterruptedException {
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId(nodeId).setBootId(UUID.randomUUID().toString())
                .setFleet(fleet).setBuild("test").putLabels("zone", "test-a").build();
        return FleetNode.start(PoolerSettings.defaults("127.0.0.1", 0),
                new AgentSettings(controlPlane.getHost() + ":" + controlPlane.getPort(), true, identity, "", Duration.ofSeconds(1)));
    }

    static boolean hasDatabase(FleetNode node, String database) {
        return node.config().current().databases().containsKey(database);
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

    static Connection database() throws SQLException {
        return DriverManager.getConnection(PostgresTestResource.server().jdbcUrl("pgfleet"), "pgfleet", "pgfleet-test-password");
    }

    /**
     * Writes an upstream row of the interim desired state directly, with a new revision, as
     * another replica would; with {@code notify}, sends that replica's NOTIFY in the same
     * transaction. Returns the revision.
     */
    static long putUpstreamBehindTheServicesBack(String name, String host, int port, boolean notify) throws SQLException {
        try (Connection c = database()) {
            c.setAutoCommit(false);
            long revision;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT nextval('config_revision')")) {
                rs.next();
                revision = rs.getLong(1);
            }
            try (PreparedStatement s = c.prepareStatement("""
                    INSERT INTO upstream (name, host, port, dbname, revision) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port,
                        revision = EXCLUDED.revision, updated_at = now()
                    """)) {
                s.setString(1, name);
                s.setString(2, host);
                s.setInt(3, port);
                s.setString(4, name);
                s.setLong(5, revision);
                s.executeUpdate();
            }
            if (notify) {
                notify(c, revision);
            }
            c.commit();
            return revision;
        }
    }

    static long deleteUpstreamBehindTheServicesBack(String name) throws SQLException {
        try (Connection c = database()) {
            c.setAutoCommit(false);
            long revision;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT nextval('config_revision')")) {
                rs.next();
                revision = rs.getLong(1);
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM upstream WHERE name = ?")) {
                s.setString(1, name);
                s.executeUpdate();
            }
            notify(c, revision);
            c.commit();
            return revision;
        }
    }

    private static void notify(Connection c, long revision) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify('pgfleet_config', ?)")) {
            s.setString(1, "default:" + revision);
            s.executeQuery().close();
        }
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
