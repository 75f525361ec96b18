package io.pgfleet.controlplane.api.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.nodes.NodeStatus;
import io.pgfleet.controlplane.nodes.NodeView;
import io.pgfleet.proto.v1.AdminServiceGrpc;
import io.pgfleet.proto.v1.ListNodesRequest;
import io.pgfleet.proto.v1.ListNodesResponse;
import io.pgfleet.proto.v1.NodeInfo;
import io.pgfleet.proto.v1.NodeSyncStatus;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;

import java.util.function.Supplier;

/** The REST API's operations over gRPC, for automation. Same service layer, same rules. */
@GrpcService
@Blocking
public class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
    @Inject
    FleetService fleet;
    @Inject
    NodeRegistry registry;

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> response) {
        respond(response, () -> ListNodesResponse.newBuilder()
                .addAllNodes(registry.list().stream().map(AdminGrpcService::nodeInfo).toList()).build());
    }

    private static NodeInfo nodeInfo(NodeView n) {
        return NodeInfo.newBuilder().setNodeId(n.nodeId()).setBootId(n.bootId()).setFleet(n.fleet())
                .setAddress(n.address()).setBuild(n.build()).putAllLabels(n.labels())
                .setLastSeenMs(n.lastSeen().toEpochMilli()).setAppliedGeneration(n.appliedGeneration())
                .setStatus(status(n.status())).setLastError(n.lastError()).build();
    }

    private static NodeSyncStatus status(NodeStatus status) {
        return NodeSyncStatus.valueOf(status.name());
    }

    private static <T> void respond(StreamObserver<T> response, Supplier<T> call) {
        try {
            response.onNext(call.get());
            response.onCompleted();
        } catch (ValidationException e) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }
}
