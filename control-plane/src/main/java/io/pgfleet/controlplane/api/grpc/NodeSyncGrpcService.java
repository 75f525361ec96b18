package io.pgfleet.controlplane.api.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.nodes.ConfigDistributor;
import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.nodes.SyncSession;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The control plane's end of each node's Sync stream. */
@GrpcService
public class NodeSyncGrpcService extends NodeServiceGrpc.NodeServiceImplBase {
    @Inject
    ConfigDistributor distributor;
    @Inject
    NodeRegistry registry;
    /** When set, nodes must present this fleet bootstrap token in their Hello. */
    @ConfigProperty(name = "pgfleet.nodes.bootstrap-token")
    Optional<String> bootstrapToken;

    @Override
    public StreamObserver<NodeMessage> sync(StreamObserver<ControlMessage> responses) {
        return new StreamObserver<>() {
            private SyncSession session;
            private String nodeId;

            @Override
            public void onNext(NodeMessage message) {
                switch (message.getMessageCase()) {
                    case HELLO -> {
                        if (session != null) {
                            responses.onError(Status.FAILED_PRECONDITION.withDescription("hello sent twice").asRuntimeException());
                            return;
                        }
                        if (!tokenAccepted(message.getHello().getToken())) {
                            responses.onError(Status.UNAUTHENTICATED.withDescription("invalid fleet bootstrap token").asRuntimeException());
                            return;
                        }
                        if (message.getHello().getIdentity().getNodeId().isEmpty()) {
                            responses.onError(Status.INVALID_ARGUMENT.withDescription("hello without a node id").asRuntimeException());
                            return;
                        }
                        nodeId = message.getHello().getIdentity().getNodeId();
                        session = distributor.open(message.getHello(), responses);
                    }
                    case ACK -> {
                        if (nodeId != null) {
                            registry.acked(nodeId, message.getAck().getGeneration());
                        }
                    }
                    case NACK -> {
                        if (nodeId != null) {
                            registry.nacked(nodeId, message.getNack().getGeneration(), message.getNack().getRejectionsList());
                        }
                    }
                    default -> {
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                closeSession();
            }

            @Override
            public void onCompleted() {
                closeSession();
                responses.onCompleted();
            }

            private void closeSession() {
                if (session != null) {
                    distributor.close(session);
                }
            }
        };
    }

    private boolean tokenAccepted(String presented) {
        return bootstrapToken.map(expected -> MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8))).orElse(true);
    }
}
