package io.pgfleet.controlplane.nodes;

import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.FleetSnapshot;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.HeldResource;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One node's open Sync stream: what the node holds, as far as the control plane knows,
 * and the pushes that bring it to the desired state. gRPC stream observers are not
 * thread-safe, so every write goes through this object's lock.
 */
public final class SyncSession {
    private final String nodeId;
    private final StreamObserver<ControlMessage> out;
    private final Map<ResourceKey, Long> held = new HashMap<>();
    private long lastPushedGeneration = -1;

    SyncSession(String nodeId, StreamObserver<ControlMessage> out, Iterable<HeldResource> initiallyHeld) {
        this.nodeId = nodeId;
        this.out = out;
        initiallyHeld.forEach(h -> held.put(h.getKey(), h.getRevision()));
    }

    String nodeId() {
        return nodeId;
    }

    /**
     * Pushes what differs between the snapshot and what the node holds, skipping revisions
     * the node has refused before. Sends nothing when there is no difference, except the
     * first time, so a node always learns it is in sync.
     *
     * @return the generation pushed, or -1 when nothing was sent
     */
    synchronized long pushDifference(FleetSnapshot snapshot, Set<String> refusedRevisions) {
        ConfigPush.Builder push = ConfigPush.newBuilder().setGeneration(snapshot.generation());
        for (Resource resource : snapshot.resources().values()) {
            Long holding = held.get(resource.getKey());
            if ((holding == null || holding != resource.getRevision())
                    && !refusedRevisions.contains(NodeRegistry.revisionId(resource.getKey(), resource.getRevision()))) {
                push.addUpserts(resource);
            }
        }
        held.keySet().stream().filter(k -> !snapshot.resources().containsKey(k)).forEach(push::addRemovals);
        boolean first = lastPushedGeneration < 0;
        if (!first && push.getUpsertsCount() == 0 && push.getRemovalsCount() == 0) {
            return -1;
        }
        out.onNext(ControlMessage.newBuilder().setPush(push).build());
        // Assume the node takes it; a NACK says otherwise and is remembered as refused.
        push.getUpsertsList().forEach(r -> held.put(r.getKey(), r.getRevision()));
        push.getRemovalsList().forEach(held::remove);
        lastPushedGeneration = snapshot.generation();
        return lastPushedGeneration;
    }

    synchronized void fail(Throwable error) {
        out.onError(error);
    }

    synchronized void complete() {
        out.onCompleted();
    }
}
