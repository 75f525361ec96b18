package io.pgfleet.controlplane.api.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.nodes.ConfigDistributor;
import io.pgfleet.controlplane.nodes.DesiredState;
import io.pgfleet.controlplane.nodes.SerialExecutor;
import io.pgfleet.controlplane.nodes.SyncSession;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The control plane's end of each node's Sync stream. A node joins the fleet its Hello
 * names, with that fleet's bootstrap token. Everything one stream receives is handled in
 * order on worker threads (database work), never on the gRPC event loop.
 */
@GrpcService
public class NodeSyncGrpcService extends NodeServiceGrpc.NodeServiceImplBase {
    private static final Logger LOG = Logger.getLogger(NodeSyncGrpcService.class);
    /** The fleet of a node whose Hello names none. */
    static final String DEFAULT_FLEET = "default";

    @Inject
    ConfigDistributor distributor;
    @Inject
    DesiredState desired;

    @Override
    public StreamObserver<NodeMessage> sync(StreamObserver<ControlMessage> responses) {
        SerialExecutor serial = new SerialExecutor(Infrastructure.getDefaultWorkerPool());
        return new StreamObserver<>() {
            // Touched only by tasks of `serial`, one at a time.
            private SyncSession session;
            private boolean ended;

            @Override
            public void onNext(NodeMessage message) {
                serial.execute(() -> handle(message));
            }

            @Override
            public void onError(Throwable t) {
                serial.execute(this::closeSession);
            }

            @Override
            public void onCompleted() {
                serial.execute(() -> {
                    SyncSession open = session;
                    closeSession();
                    if (open != null) {
                        open.complete();
                    } else if (!ended) {
                        ended = true;
                        responses.onCompleted();
                    }
                });
            }

            private void handle(NodeMessage message) {
                if (ended) {
                    return;
                }
                switch (message.getMessageCase()) {
                    case HELLO -> hello(message.getHello());
                    case ACK -> {
                        if (session != null) {
                            distributor.acked(session, message.getAck().getGeneration());
                        }
                    }
                    case NACK -> {
                        if (session != null) {
                            distributor.nacked(session, message.getNack().getGeneration(), message.getNack().getRejectionsList());
                        }
                    }
                    default -> {
                    }
                }
            }

            private void hello(Hello hello) {
                if (session != null) {
                    refuse(Status.FAILED_PRECONDITION.withDescription("hello sent twice"));
                    return;
                }
                String nodeId = hello.getIdentity().getNodeId();
                if (nodeId.isEmpty()) {
                    refuse(Status.INVALID_ARGUMENT.withDescription("hello without a node id"));
                    return;
                }
                String fleet = hello.getIdentity().getFleet().isEmpty() ? DEFAULT_FLEET : hello.getIdentity().getFleet();
                try {
                    switch (desired.checkBootstrapToken(fleet, hello.getToken())) {
                        case UNKNOWN_FLEET -> {
                            LOG.infof("node %s refused: fleet %s does not exist", nodeId, fleet);
                            refuse(Status.NOT_FOUND.withDescription("fleet " + fleet + " does not exist"));
                            return;
                        }
                        case BAD_TOKEN -> {
                            LOG.infof("node %s refused: invalid bootstrap token for fleet %s", nodeId, fleet);
                            refuse(Status.UNAUTHENTICATED.withDescription("invalid bootstrap token for fleet " + fleet));
                            return;
                        }
                        case NO_TOKEN_SET -> {
                            LOG.infof("node %s refused: fleet %s has no bootstrap token", nodeId, fleet);
                            refuse(Status.UNAUTHENTICATED.withDescription("fleet " + fleet + " has no bootstrap token, so it admits no node"
                                    + " (nodes receive its server passwords): set one with PUT /api/v1/fleets/" + fleet
                                    + " {\"bootstrapToken\": ...} and give it to the node as pgfleet.node.token"));
                            return;
                        }
                        case ACCEPTED -> {
                        }
                    }
                    session = distributor.open(hello, fleet, responses);
                } catch (RuntimeException e) {
                    LOG.warnf("node %s could not be registered: %s", nodeId, e.getMessage());
                    refuse(Status.UNAVAILABLE.withDescription("the control plane could not register the node; retry later"));
                }
            }

            private void refuse(Status status) {
                ended = true;
                SyncSession open = session;
                closeSession();
                if (open != null) {
                    open.fail(status.asRuntimeException());
                } else {
                    responses.onError(status.asRuntimeException());
                }
            }

            private void closeSession() {
                if (session != null) {
                    SyncSession closing = session;
                    session = null;
                    try {
                        distributor.close(closing);
                    } catch (RuntimeException e) {
                        LOG.warnf("node %s: recording the disconnect failed: %s", closing.nodeId(), e.getMessage());
                    }
                }
            }
        };
    }
}
