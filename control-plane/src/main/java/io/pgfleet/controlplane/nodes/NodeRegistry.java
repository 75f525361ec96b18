package io.pgfleet.controlplane.nodes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.ResourceKey;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Every node any replica has heard from, in PostgreSQL (tables {@code node} and
 * {@code node_rejection}), so that every replica sees every node and a node's rejections
 * outlive the replica that received them. Writes about a node's stream are made only by
 * the replica holding it ({@code replica} column). Plain JDBC, blocking: call from worker
 * threads, never from the gRPC event loop.
 */
@ApplicationScoped
public class NodeRegistry {
    private static final Logger LOG = Logger.getLogger(NodeRegistry.class);
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    /** This process's id in the {@code replica} column; random per process. */
    private final String replica = UUID.randomUUID().toString();

    @Inject
    DataSource db;
    @Inject
    ObjectMapper json;
    /** A push not acknowledged within this time marks its node STALE. */
    @ConfigProperty(name = "pgfleet.nodes.ack-timeout", defaultValue = "10s")
    Duration ackTimeout;
    /** How often the replica holding a node's stream refreshes its last_seen. */
    @ConfigProperty(name = "pgfleet.nodes.heartbeat-interval", defaultValue = "5s")
    Duration heartbeatInterval;

    public String replica() {
        return replica;
    }

    Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    static String revisionId(ResourceKey key, long revision) {
        return revisionId(key.getType().name(), key.getName(), revision);
    }

    private static String revisionId(String kind, String name, long revision) {
        return kind + "/" + name + "@" + revision;
    }

    /**
     * This replica now holds the node's stream. A new boot reports its own applied generation
     * (a restarted node holds nothing); the same boot never goes back. Rejections and the last
     * error stay until the first answer on the new stream settles them.
     */
    void connected(NodeIdentity identity, String fleet, long appliedGeneration) {
        update("""
                INSERT INTO node (node_id, boot_id, fleet, address, build, labels, connected, replica, last_seen,
                                  applied_generation)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, true, ?, now(), ?)
                ON CONFLICT (node_id) DO UPDATE SET
                    boot_id = EXCLUDED.boot_id, fleet = EXCLUDED.fleet, address = EXCLUDED.address,
                    build = EXCLUDED.build, labels = EXCLUDED.labels, connected = true,
                    replica = EXCLUDED.replica, last_seen = now(),
                    applied_generation = CASE WHEN node.boot_id = EXCLUDED.boot_id
                        THEN GREATEST(node.applied_generation, EXCLUDED.applied_generation)
                        ELSE EXCLUDED.applied_generation END,
                    pending_generation = NULL, pending_since = NULL
                """, identity.getNodeId(), identity.getBootId(), fleet, identity.getAddress(), identity.getBuild(),
                labelsJson(identity.getLabelsMap()), replica, appliedGeneration);
    }

    /** The node's stream on this replica ended (a no-op if another replica holds it by now). */
    void disconnected(String nodeId) {
        update("""
                UPDATE node SET connected = false, last_seen = now(), pending_generation = NULL, pending_since = NULL
                WHERE node_id = ? AND replica = ?
                """, nodeId, replica);
    }

    /** Marks every node this replica holds as disconnected; for a clean shutdown. */
    void releaseAll() {
        update("UPDATE node SET connected = false, last_seen = now() WHERE replica = ? AND connected", replica);
    }

    /** Refreshes last_seen of the nodes whose streams this replica holds. */
    void heartbeat(Collection<String> nodeIds) {
        if (nodeIds.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "UPDATE node SET last_seen = now() WHERE replica = ? AND connected AND node_id = ANY (?)")) {
            Array ids = c.createArrayOf("text", nodeIds.toArray());
            s.setString(1, replica);
            s.setArray(2, ids);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new RegistryException("heartbeat", e);
        }
    }

    /** Resource revisions the node has refused, as {@code TYPE/name@revision}. */
    public Set<String> refused(String nodeId) {
        Set<String> refused = new HashSet<>();
        query("SELECT kind, name, revision FROM node_rejection WHERE node_id = ?",
                rs -> refused.add(revisionId(rs.getString(1), rs.getString(2), rs.getLong(3))), nodeId);
        return refused;
    }

    /** A push of this generation is about to be sent; recorded before it leaves. */
    void pushed(String nodeId, long generation) {
        update("""
                UPDATE node SET pending_since = CASE WHEN pending_generation IS NULL THEN now() ELSE pending_since END,
                                pending_generation = GREATEST(COALESCE(pending_generation, 0), ?)
                WHERE node_id = ? AND replica = ?
                """, generation, nodeId, replica);
    }

    /**
     * The node answered a push: ACK (no rejections) or NACK. Records the rejections for good,
     * and sets the node REJECTED while it lacks a revision it refused (this answer's or an
     * earlier one that the desired state still holds, {@code stillRefused}).
     */
    void answered(String nodeId, long generation, List<Rejection> rejections, Set<String> stillRefused) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("""
                        INSERT INTO node_rejection (node_id, kind, name, revision, reason) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """)) {
                    for (Rejection r : rejections) {
                        s.setString(1, nodeId);
                        s.setString(2, r.getKey().getType().name());
                        s.setString(3, r.getKey().getName());
                        s.setLong(4, r.getRevision());
                        s.setString(5, r.getReason());
                        s.addBatch();
                    }
                    if (!rejections.isEmpty()) {
                        s.executeBatch();
                    }
                }
                Set<String> lacking = new HashSet<>(stillRefused);
                rejections.forEach(r -> lacking.add(revisionId(r.getKey(), r.getRevision())));
                String lastError = describe(c, nodeId, lacking);
                try (PreparedStatement s = c.prepareStatement("""
                        UPDATE node SET applied_generation = GREATEST(applied_generation, ?),
                                        pending_since = CASE WHEN pending_generation <= ? THEN NULL ELSE now() END,
                                        pending_generation = CASE WHEN pending_generation <= ? THEN NULL ELSE pending_generation END,
                                        rejected = ?, last_error = ?
                        WHERE node_id = ? AND replica = ?
                        """)) {
                    s.setLong(1, generation);
                    s.setLong(2, generation);
                    s.setLong(3, generation);
                    s.setBoolean(4, !lacking.isEmpty());
                    s.setString(5, lastError);
                    s.setString(6, nodeId);
                    s.setString(7, replica);
                    s.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new RegistryException("answer of node " + nodeId, e);
        }
    }

    /** Without a push: the refused revisions the desired state still holds changed (for instance, one was removed). */
    void stillRefused(String nodeId, Set<String> stillRefused) {
        try (Connection c = db.getConnection()) {
            String lastError = describe(c, nodeId, stillRefused);
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE node SET rejected = ?, last_error = ? WHERE node_id = ? AND replica = ?")) {
                s.setBoolean(1, !stillRefused.isEmpty());
                s.setString(2, lastError);
                s.setString(3, nodeId);
                s.setString(4, replica);
                s.executeUpdate();
            }
        } catch (SQLException e) {
            throw new RegistryException("rejections of node " + nodeId, e);
        }
    }

    /** {@code "<type> <name> revision <n>: <reason>; ..."} for the given refused revisions. */
    private static String describe(Connection c, String nodeId, Set<String> revisions) throws SQLException {
        if (revisions.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT kind, name, revision, reason FROM node_rejection WHERE node_id = ? ORDER BY at, kind, name, revision")) {
            s.setString(1, nodeId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (revisions.contains(revisionId(rs.getString(1), rs.getString(2), rs.getLong(3)))) {
                        parts.add(rs.getString(1) + " " + rs.getString(2) + " revision " + rs.getLong(3) + ": " + rs.getString(4));
                    }
                }
            }
        }
        return String.join("; ", parts);
    }

    /**
     * Latest node-wide gauges from a stats report. Called on the gRPC event loop, so the write
     * happens on a worker thread; a lost report is replaced by the next one.
     */
    public void stats(String nodeId, NodeStats stats) {
        Infrastructure.getDefaultWorkerPool().execute(() -> {
            try {
                update("UPDATE node SET client_connections = ?, server_connections = ? WHERE node_id = ?",
                        stats.getClientConnections(), stats.getServerConnections(), nodeId);
            } catch (RuntimeException e) {
                LOG.debugf("stats of node %s not stored: %s", nodeId, e.getMessage());
            }
        });
    }

    /** Every node, sorted by id. */
    public List<NodeView> list() {
        return list(null);
    }

    /** The nodes of one fleet, or of all fleets when {@code fleetOrNull} is null or empty. */
    public List<NodeView> list(String fleetOrNull) {
        List<NodeView> nodes = new ArrayList<>();
        boolean all = fleetOrNull == null || fleetOrNull.isEmpty();
        if (all) {
            query(SELECT_VIEW + " ORDER BY node_id", rs -> nodes.add(view(rs)), disconnectSeconds(), ackSeconds());
        } else {
            query(SELECT_VIEW + " WHERE fleet = ? ORDER BY node_id", rs -> nodes.add(view(rs)),
                    disconnectSeconds(), ackSeconds(), fleetOrNull);
        }
        return nodes;
    }

    public Optional<NodeView> find(String nodeId) {
        List<NodeView> found = new ArrayList<>(1);
        query(SELECT_VIEW + " WHERE node_id = ?", rs -> found.add(view(rs)), disconnectSeconds(), ackSeconds(), nodeId);
        return found.stream().findFirst();
    }

    /**
     * Status by the database's clock, so replicas agree: no stream, or a stream whose replica
     * stopped its heartbeat for three intervals, is DISCONNECTED; a push waiting longer than
     * the ack timeout is STALE; a node lacking a revision it refused is REJECTED.
     */
    private static final String SELECT_VIEW = """
            SELECT node_id, boot_id, fleet, address, build, labels::text, last_seen, applied_generation,
                   CASE WHEN NOT connected OR last_seen < now() - make_interval(secs => ?) THEN 'DISCONNECTED'
                        WHEN pending_generation IS NOT NULL AND pending_since < now() - make_interval(secs => ?) THEN 'STALE'
                        WHEN rejected THEN 'REJECTED'
                        ELSE 'SYNCED' END,
                   last_error, client_connections, server_connections
            FROM node""";

    private double ackSeconds() {
        return ackTimeout.toMillis() / 1000.0;
    }

    private double disconnectSeconds() {
        return 3 * heartbeatInterval.toMillis() / 1000.0;
    }

    private NodeView view(ResultSet rs) throws SQLException {
        return new NodeView(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                labels(rs.getString(6)), rs.getTimestamp(7).toInstant(), rs.getLong(8), NodeStatus.valueOf(rs.getString(9)),
                rs.getString(10), rs.getLong(11), rs.getLong(12));
    }

    private String labelsJson(Map<String, String> labels) {
        try {
            return json.writeValueAsString(new LinkedHashMap<>(labels));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> labels(String text) {
        try {
            return Map.copyOf(json.readValue(text, LABELS));
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    private interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    private void query(String sql, RowConsumer rows, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, parameters);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.accept(rs);
                }
            }
        } catch (SQLException e) {
            throw new RegistryException("query", e);
        }
    }

    private int update(String sql, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, parameters);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new RegistryException("update", e);
        }
    }

    private static void bind(PreparedStatement s, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            s.setObject(i + 1, parameters[i]);
        }
    }

    /** The node registry's database could not be reached or refused a statement. */
    public static final class RegistryException extends RuntimeException {
        RegistryException(String what, SQLException cause) {
            super("node registry " + what + " failed: " + cause.getMessage(), cause);
        }
    }
}
