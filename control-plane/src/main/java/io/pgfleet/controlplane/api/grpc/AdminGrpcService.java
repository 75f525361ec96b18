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
import io.pgfleet.proto.v1.ListUpstreamsRequest;
import io.pgfleet.proto.v1.ListUpstreamsResponse;
import io.pgfleet.proto.v1.ListUsersRequest;
import io.pgfleet.proto.v1.ListUsersResponse;
import io.pgfleet.proto.v1.NodeInfo;
import io.pgfleet.proto.v1.NodeSyncStatus;
import io.pgfleet.proto.v1.PutUpstreamRequest;
import io.pgfleet.proto.v1.PutUserRequest;
import io.pgfleet.proto.v1.UpstreamInfo;
import io.pgfleet.proto.v1.UserInfo;
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
    public void putUpstream(PutUpstreamRequest request, StreamObserver<UpstreamInfo> response) {
        respond(response, () -> {
            FleetService.UpstreamView u = fleet.putUpstream(request.getName(), request.getHost(), request.getPort(), request.getDbname());
            return upstreamInfo(u);
        });
    }

    @Override
    public void listUpstreams(ListUpstreamsRequest request, StreamObserver<ListUpstreamsResponse> response) {
        respond(response, () -> ListUpstreamsResponse.newBuilder()
                .addAllUpstreams(fleet.listUpstreams().stream().map(AdminGrpcService::upstreamInfo).toList()).build());
    }

    @Override
    public void putUser(PutUserRequest request, StreamObserver<UserInfo> response) {
        respond(response, () -> {
            FleetService.UserView u = fleet.putUser(request.getName(), request.getPassword());
            return UserInfo.newBuilder().setName(u.name()).setRevision(u.revision()).build();
        });
    }

    @Override
    public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> response) {
        respond(response, () -> ListUsersResponse.newBuilder().addAllUsers(fleet.listUsers().stream()
                .map(u -> UserInfo.newBuilder().setName(u.name()).setRevision(u.revision()).build()).toList()).build());
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> response) {
        respond(response, () -> ListNodesResponse.newBuilder()
                .addAllNodes(registry.list().stream().map(AdminGrpcService::nodeInfo).toList()).build());
    }

    private static UpstreamInfo upstreamInfo(FleetService.UpstreamView u) {
        return UpstreamInfo.newBuilder().setName(u.name()).setHost(u.host()).setPort(u.port())
                .setDbname(u.dbname()).setRevision(u.revision()).build();
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
