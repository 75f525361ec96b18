package io.pgfleet.controlplane.nodes;

import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.FleetSnapshot;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.HeldResource;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node's open Sync stream: its fleet, what the node holds as far as the control plane
 * knows, and the pushes that bring it to the desired state. gRPC stream observers are not
 * thread-safe, so every write goes through this object's lock.
 */
public final class SyncSession {
    /** In {@link #held}: the node refused what we sent and holds an older revision we do not know, or none. */
    private static final long UNKNOWN_REVISION = -1;

    private final String nodeId;
    private final String fleet;
    /** SHA-256 (hex) of the bootstrap token the node joined with; rounds compare it with the fleet's current one. */
    private final String tokenSha256;
    /** The boot id of the Hello: stats reports are taken only with this one. */
    private final String bootId;
    private final StreamObserver<ControlMessage> out;
    private final Map<ResourceKey, Long> held = new HashMap<>();
    /** Generation of the newest push sent; starts at what the node says it applied, so pushes never go back. */
    private long lastPushedGeneration;
    /** Generation of the newest snapshot a push was computed from; older snapshots are ignored. */
    private long lastSnapshotGeneration = -1;
    private boolean pushedOnce;
    /** Refused revisions the desired state still holds, as of the last plan. */
    private Set<String> stillRefused = Set.of();

    SyncSession(String nodeId, String fleet, String tokenSha256, String bootId, StreamObserver<ControlMessage> out,
                Iterable<HeldResource> initiallyHeld, long appliedGeneration) {
        this.nodeId = nodeId;
        this.bootId = bootId;
        this.fleet = fleet;
        this.tokenSha256 = tokenSha256;
        this.out = out;
        this.lastPushedGeneration = appliedGeneration;
        initiallyHeld.forEach(h -> held.put(h.getKey(), h.getRevision()));
    }

    public String nodeId() {
        return nodeId;
    }

    String fleet() {
        return fleet;
    }

    /** The boot id the node said hello with. */
    public String bootId() {
        return bootId;
    }

    /** Whether the node joined with the token whose SHA-256 is {@code expected} (constant time). */
    boolean joinedWithToken(String expected) {
        return java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                tokenSha256.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * What to push to the node.
     *
     * @param push                null when nothing is to be sent
     * @param stillRefused        refused revisions the snapshot holds (never pushed)
     * @param refusalsChanged     whether {@code stillRefused} differs from the previous plan's
     */
    record Plan(long snapshotGeneration, ConfigPush push, Set<String> stillRefused, boolean refusalsChanged) {
    }

    /**
     * Computes what differs between the snapshot and what the node holds, skipping revisions
     * the node has refused before. Nothing is to be sent when there is no difference, except
     * the first time, so a node always learns it is in sync. Generations never go back (see
     * {@link #generation}).
     */
    synchronized Plan plan(FleetSnapshot snapshot, Set<String> refusedRevisions) {
        if (snapshot.generation() < lastSnapshotGeneration) {
            return new Plan(snapshot.generation(), null, stillRefused, false); // a newer snapshot was pushed already
        }
        ConfigPush.Builder push = ConfigPush.newBuilder();
        Set<String> refusedNow = new HashSet<>();
        for (Resource resource : snapshot.resources().values()) {
            Long holding = held.get(resource.getKey());
            if (holding != null && holding == resource.getRevision()) {
                continue;
            }
            String id = NodeRegistry.revisionId(resource.getKey(), resource.getRevision());
            if (refusedRevisions.contains(id)) {
                refusedNow.add(id);
            } else {
                push.addUpserts(resource);
            }
        }
        held.keySet().stream().filter(k -> !snapshot.resources().containsKey(k)).forEach(push::addRemovals);
        boolean changed = !refusedNow.equals(stillRefused);
        stillRefused = Set.copyOf(refusedNow);
        if (pushedOnce && push.getUpsertsCount() == 0 && push.getRemovalsCount() == 0) {
            lastSnapshotGeneration = snapshot.generation();
            return new Plan(snapshot.generation(), null, stillRefused, changed);
        }
        boolean empty = push.getUpsertsCount() == 0 && push.getRemovalsCount() == 0;
        push.setGeneration(generation(snapshot.generation(), empty));
        return new Plan(snapshot.generation(), push.build(), stillRefused, changed);
    }

    /**
     * The snapshot's generation (the newest revision when it was read), but a push with
     * content is always newer than the last one sent or applied: a revision taken by a
     * transaction that commits after a snapshot was read shows up in a later snapshot with
     * the same generation, and a node ignores pushes that are not newer than what it runs.
     * An empty push (the first one, "you are in sync") may repeat the generation.
     */
    private long generation(long snapshotGeneration, boolean empty) {
        if (snapshotGeneration > lastPushedGeneration || (empty && snapshotGeneration == lastPushedGeneration)) {
            return snapshotGeneration;
        }
        return empty ? lastPushedGeneration : lastPushedGeneration + 1;
    }

    /** Sends a planned push. Assumes the node takes it; a NACK says otherwise. */
    synchronized void send(Plan plan) {
        ConfigPush push = plan.push();
        out.onNext(ControlMessage.newBuilder().setPush(push).build());
        push.getUpsertsList().forEach(r -> held.put(r.getKey(), r.getRevision()));
        push.getRemovalsList().forEach(held::remove);
        lastPushedGeneration = push.getGeneration();
        lastSnapshotGeneration = Math.max(lastSnapshotGeneration, plan.snapshotGeneration());
        pushedOnce = true;
    }

    /** The node refused these: it keeps an older revision we do not know (or none). */
    synchronized void refusedByNode(List<Rejection> rejections) {
        for (Rejection r : rejections) {
            Long holding = held.get(r.getKey());
            if (holding != null && holding == r.getRevision()) {
                held.put(r.getKey(), UNKNOWN_REVISION);
            }
        }
    }

    synchronized Set<String> stillRefused() {
        return stillRefused;
    }

    /** Ends the stream with an error; a no-op when it has ended already. */
    public synchronized void fail(Throwable error) {
        try {
            out.onError(error);
        } catch (IllegalStateException alreadyClosed) {
            // the call is over
        }
    }

    /** Ends the stream; a no-op when it has ended already. */
    public synchronized void complete() {
        try {
            out.onCompleted();
        } catch (IllegalStateException alreadyClosed) {
            // the call is over
        }
    }
}
