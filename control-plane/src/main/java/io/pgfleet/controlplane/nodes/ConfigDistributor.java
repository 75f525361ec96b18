package io.pgfleet.controlplane.nodes;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.ConfigChanged;
import io.pgfleet.controlplane.fleet.FleetSnapshot;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.Rejection;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * Keeps every node connected to this replica equal to its fleet's desired state: a full
 * difference on connect, and a round of pushes to a fleet's nodes after each change to that
 * fleet (announced locally as {@link ConfigChanged}, by another replica's NOTIFY, or found by
 * polling; see {@link ReplicaSync}). Changes that arrive while a round for their fleet is
 * pending join it. Rounds of one fleet run one at a time, so a node never gets an older
 * snapshot after a newer one. Database work happens on worker threads, never on the gRPC
 * event loop.
 */
@ApplicationScoped
public class ConfigDistributor {
    private static final Logger LOG = Logger.getLogger(ConfigDistributor.class);
    private static final int REMEMBERED_REVISIONS = 1024;
    private static final java.time.Duration RETRY = java.time.Duration.ofSeconds(2);

    @Inject
    DesiredState desired;
    @Inject
    NodeRegistry registry;
    @Inject
    jakarta.enterprise.event.Event<SyncSessionEnded> sessionEnded;

    private final Map<String, SyncSession> sessions = new ConcurrentHashMap<>();
    /** Fleets with a round queued but not started. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    /** One lock per fleet: its rounds and its nodes' first pushes take turns. */
    private final Map<String, Object> fleetLocks = new ConcurrentHashMap<>();
    /** Revisions this replica announced itself; their NOTIFY needs no second round. */
    private final Set<Long> announcedHere = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                    return size() > REMEMBERED_REVISIONS;
                }
            }));
    private final Executor workers = Infrastructure.getDefaultWorkerPool();

    /**
     * A node of {@code fleet} said hello and was admitted: register it and bring it up to
     * date. Blocking; call on a worker thread.
     */
    public SyncSession open(Hello hello, String fleet, StreamObserver<ControlMessage> out) {
        String nodeId = hello.getIdentity().getNodeId();
        SyncSession session = new SyncSession(nodeId, fleet, io.pgfleet.controlplane.security.Sha256.hex(hello.getToken()),
                hello.getIdentity().getBootId(), out, hello.getHeldList(),
                hello.getAppliedGeneration());
        synchronized (lock(fleet)) {
            // Told before the new session can take reports, so that the stats aggregation sees
            // the end of the old one before any report of the new one.
            SyncSession before = sessions.get(nodeId);
            if (before != null) {
                ended(before);
            }
            SyncSession previous = sessions.put(nodeId, session);
            if (previous != null) {
                if (previous != before) {
                    ended(previous);
                }
                // The same node id on a new stream: the old stream is dead or a duplicate.
                try {
                    previous.fail(Status.ALREADY_EXISTS.withDescription("superseded by a newer stream for node " + nodeId)
                            .asRuntimeException());
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
            try {
                registry.connected(hello.getIdentity(), fleet, hello.getAppliedGeneration());
                LOG.infof("node %s (fleet %s, boot %s, build %s) connected, holding %d resource(s) at generation %d", nodeId,
                        fleet, hello.getIdentity().getBootId(), hello.getIdentity().getBuild(), hello.getHeldCount(),
                        hello.getAppliedGeneration());
                firstPush(session);
            } catch (RuntimeException e) {
                // No half-open session: the node is told to retry and is not shown as connected.
                if (sessions.remove(nodeId, session)) {
                    ended(session);
                }
                try {
                    registry.disconnected(nodeId);
                } catch (RuntimeException ignored) {
                    // the database is what failed; the heartbeat's absence marks it anyway
                }
                throw e;
            }
        }
        return session;
    }

    /** The first push must reach a new node: a failure ends the stream, and the node reconnects. */
    private void firstPush(SyncSession session) {
        SyncSession.Plan plan = session.plan(desired.snapshot(session.fleet()), registry.refused(session.nodeId()));
        if (plan.push() != null) {
            registry.pushed(session.nodeId(), plan.push().getGeneration());
            session.send(plan);
        }
    }

    /** The session's stream ended. Blocking; call on a worker thread. */
    public void close(SyncSession session) {
        // Under the fleet's lock, so a reconnect of the same node cannot be undone by this.
        synchronized (lock(session.fleet())) {
            if (sessions.remove(session.nodeId(), session)) {
                ended(session);
                registry.disconnected(session.nodeId());
                LOG.infof("node %s disconnected", session.nodeId());
            }
        }
    }

    /** Tells the observers (the stats aggregation) that this replica no longer holds {@code session}. */
    private void ended(SyncSession session) {
        try {
            sessionEnded.fire(new SyncSessionEnded(session.nodeId(), session.fleet(), session.bootId()));
        } catch (RuntimeException e) {
            LOG.warnf("node %s: telling that its session ended failed: %s", session.nodeId(), e.getMessage());
        }
    }

    /** The node applied the push of this generation. Blocking; call on a worker thread. */
    public void acked(SyncSession session, long generation) {
        synchronized (lock(session.fleet())) {
            registry.answered(session.nodeId(), generation, List.of(), session.stillRefused());
        }
    }

    /**
     * The node refused part of the push of this generation. Under the fleet's lock: a round
     * must see both the session's and the registry's record of the refusal, or neither, or
     * it could push the refused revision once more. Blocking; call on a worker thread.
     */
    public void nacked(SyncSession session, long generation, List<Rejection> rejections) {
        synchronized (lock(session.fleet())) {
            session.refusedByNode(rejections);
            registry.answered(session.nodeId(), generation, rejections, session.stillRefused());
        }
    }

    /** Whether this replica holds the node's Sync stream (stats are taken only from such nodes). */
    public boolean holds(String nodeId) {
        return sessions.containsKey(nodeId);
    }

    /** The fleet of a node whose Sync stream this replica holds; null when it holds none. */
    public String fleetOf(String nodeId) {
        SyncSession session = sessions.get(nodeId);
        return session == null ? null : session.fleet();
    }

    /**
     * The fleet of a node whose Sync stream this replica holds, that joined with
     * {@code token} and said hello with {@code bootId}; null otherwise. Stats reports are
     * taken only from there: knowing a node's id is not enough to write its numbers, and a
     * second process with the same node id (and the fleet's token) cannot interleave its
     * reports with the held one's, each looking like a restart that adds its whole totals.
     */
    public String fleetOfReporter(String nodeId, String token, String bootId) {
        SyncSession session = sessions.get(nodeId);
        return session != null && session.bootId().equals(bootId)
                && session.joinedWithToken(io.pgfleet.controlplane.security.Sha256.hex(token)) ? session.fleet() : null;
    }

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) ConfigChanged change) {
        announcedHere.add(change.revision());
        request(change.fleet());
    }

    /** Another replica (or this one) committed revision {@code revision} of {@code fleet}. */
    void notified(String fleet, long revision) {
        if (announcedHere.contains(revision)) {
            return; // this replica's own change: its round started after the commit already
        }
        request(fleet);
    }

    /** A round for every fleet with nodes here: after a missed NOTIFY, or when unsure. */
    void requestAll() {
        sessions.values().stream().map(SyncSession::fleet).distinct().forEach(this::request);
    }

    /** Node ids whose streams this replica holds. */
    Set<String> localNodeIds() {
        return Set.copyOf(sessions.keySet());
    }

    /** Fleets with nodes on this replica. */
    Set<String> localFleets() {
        return sessions.values().stream().map(SyncSession::fleet).collect(Collectors.toUnmodifiableSet());
    }

    private void request(String fleet) {
        if (pending.add(fleet)) {
            workers.execute(() -> round(fleet));
        }
    }

    private void round(String fleet) {
        synchronized (lock(fleet)) {
            pending.remove(fleet); // changes committed after this point trigger another round
            List<SyncSession> targets = sessions.values().stream().filter(s -> s.fleet().equals(fleet)).toList();
            if (targets.isEmpty()) {
                return;
            }
            FleetSnapshot snapshot;
            String token;
            try {
                snapshot = desired.snapshot(fleet);
                token = desired.bootstrapTokenSha256(fleet);
            } catch (RuntimeException e) {
                LOG.warnf("snapshot of fleet %s failed, retrying in %d s: %s", fleet, RETRY.toSeconds(), e.getMessage());
                retryLater(fleet);
                return;
            }
            boolean failed = false;
            for (SyncSession session : targets) {
                if (token != null && !session.joinedWithToken(token)) {
                    // The fleet's token changed (e.g. a leaked one was replaced): nodes that joined
                    // with the old one get nothing more and must come back with the new one.
                    LOG.infof("node %s: the bootstrap token of fleet %s changed; ending its stream", session.nodeId(), fleet);
                    if (sessions.remove(session.nodeId(), session)) {
                        ended(session);
                        registry.disconnected(session.nodeId());
                    }
                    session.fail(Status.UNAUTHENTICATED.withDescription("the bootstrap token of fleet " + fleet
                            + " changed; reconnect with the new one").asRuntimeException());
                    continue;
                }
                failed |= !pushTo(session, snapshot);
            }
            if (failed) {
                retryLater(fleet);
            }
        }
    }

    /** A round that could not finish is tried again, so a database blip loses no push. */
    private void retryLater(String fleet) {
        CompletableFuture.delayedExecutor(RETRY.toMillis(), TimeUnit.MILLISECONDS, workers).execute(() -> request(fleet));
    }

    /** @return false when the push could not be made (it will be retried) */
    private boolean pushTo(SyncSession session, FleetSnapshot snapshot) {
        try {
            SyncSession.Plan plan = session.plan(snapshot, registry.refused(session.nodeId()));
            if (plan.push() != null) {
                // Recorded before it leaves, so its answer always finds it pending.
                registry.pushed(session.nodeId(), plan.push().getGeneration());
                session.send(plan);
            } else if (plan.refusalsChanged()) {
                registry.stillRefused(session.nodeId(), plan.stillRefused());
            }
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("push to node %s failed, retrying in %d s: %s", session.nodeId(), RETRY.toSeconds(), e.getMessage());
            return false;
        }
    }

    private Object lock(String fleet) {
        return fleetLocks.computeIfAbsent(fleet, f -> new Object());
    }
}
