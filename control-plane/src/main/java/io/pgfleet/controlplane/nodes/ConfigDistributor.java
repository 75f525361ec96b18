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
import java.util.concurrent.ConcurrentHashMap;
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

    @Inject
    DesiredState desired;
    @Inject
    NodeRegistry registry;

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
        SyncSession session = new SyncSession(nodeId, fleet, out, hello.getHeldList(), hello.getAppliedGeneration());
        synchronized (lock(fleet)) {
            SyncSession previous = sessions.put(nodeId, session);
            if (previous != null) {
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
            } catch (RuntimeException e) {
                sessions.remove(nodeId, session);
                throw e;
            }
            LOG.infof("node %s (fleet %s, boot %s, build %s) connected, holding %d resource(s) at generation %d", nodeId,
                    fleet, hello.getIdentity().getBootId(), hello.getIdentity().getBuild(), hello.getHeldCount(),
                    hello.getAppliedGeneration());
            pushTo(session, desired.snapshot(fleet));
        }
        return session;
    }

    /** The session's stream ended. Blocking; call on a worker thread. */
    public void close(SyncSession session) {
        if (sessions.remove(session.nodeId(), session)) {
            registry.disconnected(session.nodeId());
            LOG.infof("node %s disconnected", session.nodeId());
        }
    }

    /** The node applied the push of this generation. Blocking; call on a worker thread. */
    public void acked(SyncSession session, long generation) {
        registry.answered(session.nodeId(), generation, List.of(), session.stillRefused());
    }

    /** The node refused part of the push of this generation. Blocking; call on a worker thread. */
    public void nacked(SyncSession session, long generation, List<Rejection> rejections) {
        session.refusedByNode(rejections);
        registry.answered(session.nodeId(), generation, rejections, session.stillRefused());
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
            try {
                snapshot = desired.snapshot(fleet);
            } catch (RuntimeException e) {
                LOG.warnf("snapshot of fleet %s failed: %s", fleet, e.getMessage());
                return;
            }
            targets.forEach(session -> pushTo(session, snapshot));
        }
    }

    private void pushTo(SyncSession session, FleetSnapshot snapshot) {
        try {
            SyncSession.Plan plan = session.plan(snapshot, registry.refused(session.nodeId()));
            if (plan.push() != null) {
                // Recorded before it leaves, so its answer always finds it pending.
                registry.pushed(session.nodeId(), plan.push().getGeneration());
                session.send(plan);
            } else if (plan.refusalsChanged()) {
                registry.stillRefused(session.nodeId(), plan.stillRefused());
            }
        } catch (RuntimeException e) {
            LOG.warnf("push to node %s failed: %s", session.nodeId(), e.getMessage());
        }
    }

    private Object lock(String fleet) {
        return fleetLocks.computeIfAbsent(fleet, f -> new Object());
    }
}
