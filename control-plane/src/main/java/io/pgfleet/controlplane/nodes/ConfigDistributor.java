package io.pgfleet.controlplane.nodes;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.ConfigChanged;
import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.FleetSnapshot;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps every connected node's config equal to the desired state: a full difference on
 * connect, and a new round of pushes after each committed change. Changes that land while
 * a round is pending share that round (a simple debounce). Database reads happen on
 * worker threads, never on the gRPC event loop.
 */
@ApplicationScoped
public class ConfigDistributor {
    private static final Logger LOG = Logger.getLogger(ConfigDistributor.class);

    @Inject
    FleetService fleet;
    @Inject
    NodeRegistry registry;

    private final Map<String, SyncSession> sessions = new ConcurrentHashMap<>();
    private final AtomicBoolean roundPending = new AtomicBoolean();
    private final Executor workers = Infrastructure.getDefaultWorkerPool();

    /** A node said hello: register it and bring it up to date. */
    public SyncSession open(Hello hello, StreamObserver<ControlMessage> out) {
        String nodeId = hello.getIdentity().getNodeId();
        SyncSession session = new SyncSession(nodeId, out, hello.getHeldList());
        SyncSession previous = sessions.put(nodeId, session);
        if (previous != null) {
            // The same node id on a new stream: the old stream is dead or a duplicate.
            previous.fail(Status.ALREADY_EXISTS.withDescription("superseded by a newer stream for node " + nodeId).asRuntimeException());
        }
        registry.connected(hello.getIdentity());
        LOG.infof("node %s (boot %s, build %s) connected, holding %d resource(s) at generation %d", nodeId,
                hello.getIdentity().getBootId(), hello.getIdentity().getBuild(), hello.getHeldCount(), hello.getAppliedGeneration());
        workers.execute(() -> pushTo(session, fleet.snapshot(io.pgfleet.controlplane.fleet.FleetService.DEFAULT_FLEET)));
        return session;
    }

    public void close(SyncSession session) {
        if (sessions.remove(session.nodeId(), session)) {
            registry.disconnected(session.nodeId());
            LOG.infof("node %s disconnected", session.nodeId());
        }
    }

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) ConfigChanged change) {
        if (roundPending.compareAndSet(false, true)) {
            workers.execute(this::pushRound);
        }
    }

    private void pushRound() {
        roundPending.set(false); // changes committed after this point trigger another round
        FleetSnapshot snapshot = fleet.snapshot(io.pgfleet.controlplane.fleet.FleetService.DEFAULT_FLEET);
        sessions.values().forEach(session -> pushTo(session, snapshot));
    }

    private void pushTo(SyncSession session, FleetSnapshot snapshot) {
        try {
            long generation = session.pushDifference(snapshot, registry.refused(session.nodeId()));
            if (generation >= 0) {
                registry.pushed(session.nodeId(), generation);
            }
        } catch (RuntimeException e) {
            LOG.warnf("push to node %s failed: %s", session.nodeId(), e.getMessage());
        }
    }
}
