package io.pgfleet.controlplane.nodes;

import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.ResourceKey;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every node this replica has heard from: identity, sync state and latest stats. Kept in
 * memory for now; nodes re-announce themselves on every (re)connect.
 */
@ApplicationScoped
public class NodeRegistry {
    /** A push not acknowledged within this time marks its node STALE. */
    static final Duration ACK_DEADLINE = Duration.ofSeconds(15);

    private final Map<String, NodeRecord> nodes = new ConcurrentHashMap<>();

    /** Mutable state of one node; guarded by its own lock. */
    private static final class NodeRecord {
        NodeIdentity identity;
        Instant lastSeen;
        boolean connected;
        long appliedGeneration;
        long pendingGeneration = -1;
        Instant pendingSince;
        String lastError = "";
        boolean rejected;
        NodeStats stats = NodeStats.getDefaultInstance();
        final Set<String> refused = ConcurrentHashMap.newKeySet();
    }

    static String revisionId(ResourceKey key, long revision) {
        return key.getType() + "/" + key.getName() + "@" + revision;
    }

    public void connected(NodeIdentity identity) {
        NodeRecord node = nodes.computeIfAbsent(identity.getNodeId(), id -> new NodeRecord());
        synchronized (node) {
            node.identity = identity;
            node.connected = true;
            node.lastSeen = Instant.now();
            node.pendingGeneration = -1;
        }
    }

    public void disconnected(String nodeId) {
        NodeRecord node = nodes.get(nodeId);
        if (node != null) {
            synchronized (node) {
                node.connected = false;
                node.lastSeen = Instant.now();
            }
        }
    }

    public Set<String> refused(String nodeId) {
        NodeRecord node = nodes.get(nodeId);
        return node == null ? Set.of() : node.refused;
    }

    public void pushed(String nodeId, long generation) {
        NodeRecord node = nodes.get(nodeId);
        if (node != null) {
            synchronized (node) {
                if (node.pendingGeneration < 0) {
                    node.pendingSince = Instant.now();
                }
                node.pendingGeneration = generation;
            }
        }
    }

    public void acked(String nodeId, long generation) {
        settle(nodeId, generation, List.of());
    }

    public void nacked(String nodeId, long generation, List<Rejection> rejections) {
        settle(nodeId, generation, rejections);
    }

    private void settle(String nodeId, long generation, List<Rejection> rejections) {
        NodeRecord node = nodes.get(nodeId);
        if (node == null) {
            return;
        }
        synchronized (node) {
            node.lastSeen = Instant.now();
            node.appliedGeneration = Math.max(node.appliedGeneration, generation);
            if (generation >= node.pendingGeneration) {
                node.pendingGeneration = -1;
            }
            rejections.forEach(r -> node.refused.add(revisionId(r.getKey(), r.getRevision())));
            node.rejected = !rejections.isEmpty();
            node.lastError = rejections.isEmpty() ? "" : rejections.stream()
                    .map(r -> r.getKey().getType() + " " + r.getKey().getName() + " revision " + r.getRevision() + ": " + r.getReason())
                    .reduce((a, b) -> a + "; " + b).orElse("");
        }
    }

    public void stats(String nodeId, NodeStats stats) {
        NodeRecord node = nodes.get(nodeId);
        if (node != null) {
            synchronized (node) {
                node.stats = stats;
                node.lastSeen = Instant.now();
            }
        }
    }

    public List<NodeView> list() {
        return nodes.values().stream().map(NodeRegistry::view).sorted(Comparator.comparing(NodeView::nodeId)).toList();
    }

    private static NodeView view(NodeRecord node) {
        synchronized (node) {
            NodeStatus status;
            if (!node.connected) {
                status = NodeStatus.DISCONNECTED;
            } else if (node.pendingGeneration >= 0
                    && (node.appliedGeneration == 0 || node.pendingSince.plus(ACK_DEADLINE).isBefore(Instant.now()))) {
                // Never acknowledged anything yet, or sitting on a push for too long.
                status = NodeStatus.STALE;
            } else if (node.rejected) {
                status = NodeStatus.REJECTED;
            } else {
                status = NodeStatus.SYNCED;
            }
            NodeIdentity id = node.identity;
            return new NodeView(id.getNodeId(), id.getBootId(), id.getFleet(), id.getAddress(), id.getBuild(),
                    Map.copyOf(id.getLabelsMap()), node.lastSeen, node.appliedGeneration, status, node.lastError,
                    node.stats.getClientConnections(), node.stats.getServerConnections());
        }
    }
}
