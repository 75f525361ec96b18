package io.pgfleet.controlplane.api.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.RequestRefused;
import io.pgfleet.controlplane.fleet.ResourceKind;
import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.nodes.NodeView;
import io.pgfleet.controlplane.security.Caller;
import io.pgfleet.controlplane.security.GrpcCallers;
import io.pgfleet.controlplane.security.Role;
import io.pgfleet.proto.v1.AdminServiceGrpc;
import io.pgfleet.proto.v1.Change;
import io.pgfleet.proto.v1.ChangeResult;
import io.pgfleet.proto.v1.DeleteResourceRequest;
import io.pgfleet.proto.v1.GetResourceRequest;
import io.pgfleet.proto.v1.ImportPgBouncerRequest;
import io.pgfleet.proto.v1.ListNodesRequest;
import io.pgfleet.proto.v1.ListNodesResponse;
import io.pgfleet.proto.v1.ListResourcesRequest;
import io.pgfleet.proto.v1.ListResourcesResponse;
import io.pgfleet.proto.v1.ListRevisionsRequest;
import io.pgfleet.proto.v1.ListRevisionsResponse;
import io.pgfleet.proto.v1.NodeInfo;
import io.pgfleet.proto.v1.NodeSyncStatus;
import io.pgfleet.proto.v1.PutResourceRequest;
import io.pgfleet.proto.v1.ResourceDocument;
import io.pgfleet.proto.v1.ResourceRef;
import io.pgfleet.proto.v1.RevisionEntry;
import io.pgfleet.proto.v1.RollbackRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;

import java.util.function.Supplier;

/**
 * The REST API's operations over gRPC, for automation: the same service calls with the
 * same JSON specs, so both APIs accept and refuse the same things with the same messages.
 */
@GrpcService
@Blocking
public class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    FleetService fleets;
    @Inject
    NodeRegistry registry;

    @Override
    public void putResource(PutResourceRequest request, StreamObserver<ChangeResult> response) {
        respond(response, () -> {
            ResourceRef ref = request.getRef();
            return result(fleets.put(writer(ref), ref.getFleet(), kind(ref), ref.getName(), parse(request.getSpecJson()),
                    request.getIfMatch() == 0 ? null : request.getIfMatch(), request.getDryRun()));
        });
    }

    @Override
    public void deleteResource(DeleteResourceRequest request, StreamObserver<ChangeResult> response) {
        respond(response, () -> {
            ResourceRef ref = request.getRef();
            return result(fleets.delete(writer(ref), ref.getFleet(), kind(ref), ref.getName(),
                    request.getIfMatch() == 0 ? null : request.getIfMatch(), request.getDryRun()));
        });
    }

    @Override
    public void getResource(GetResourceRequest request, StreamObserver<ResourceDocument> response) {
        respond(response, () -> document(fleets.get(request.getRef().getFleet(), kind(request.getRef()), request.getRef().getName())));
    }

    @Override
    public void listResources(ListResourcesRequest request, StreamObserver<ListResourcesResponse> response) {
        respond(response, () -> ListResourcesResponse.newBuilder().addAllResources(
                fleets.list(request.getFleet(), ResourceKind.ofId(request.getKind())).stream().map(AdminGrpcService::document).toList()).build());
    }

    @Override
    public void listRevisions(ListRevisionsRequest request, StreamObserver<ListRevisionsResponse> response) {
        respond(response, () -> ListRevisionsResponse.newBuilder().addAllRevisions(
                fleets.revisions(request.getFleet().isEmpty() ? null : request.getFleet(), request.getBefore(), request.getLimit())
                        .stream().map(r -> RevisionEntry.newBuilder().setRevision(r.revision()).setAtMs(r.at().toInstant().toEpochMilli())
                                .setActor(r.actor()).setSummary(r.summary())
                                .addAllChanges(r.changes().stream().map(AdminGrpcService::change).toList()).build()).toList()).build());
    }

    @Override
    public void rollback(RollbackRequest request, StreamObserver<ChangeResult> response) {
        respond(response, () -> result(fleets.rollback(operator(), request.getFleet(), request.getToRevision(), request.getDryRun())));
    }

    @Override
    public void importPgBouncer(ImportPgBouncerRequest request, StreamObserver<ChangeResult> response) {
        respond(response, () -> result(fleets.importPgBouncer(operator(), request.getFleet(),
                request.getPgbouncerIni(), request.getUserlistTxt(), request.getDryRun())));
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> response) {
        respond(response, () -> ListNodesResponse.newBuilder()
                .addAllNodes(registry.list(request.getFleet().isEmpty() ? null : request.getFleet()).stream()
                        .map(AdminGrpcService::nodeInfo).toList()).build());
    }

    /** The caller AdminAuthInterceptor authenticated, if its role allows writing this kind (as REST: fleets need admin). */
    private static Caller writer(ResourceRef ref) {
        return GrpcCallers.require("fleet".equals(ref.getKind()) ? Role.ADMIN : Role.OPERATOR);
    }

    private static Caller operator() {
        return GrpcCallers.require(Role.OPERATOR);
    }

    private static ResourceKind kind(ResourceRef ref) {
        return ResourceKind.ofId(ref.getKind());
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json.isEmpty() ? "{}" : json);
        } catch (JsonProcessingException e) {
            throw new ValidationException("spec_json is not valid JSON"); // never echo it: it may hold a password
        }
    }

    private static ResourceDocument document(FleetService.ResourceView v) {
        return ResourceDocument.newBuilder()
                .setRef(ResourceRef.newBuilder().setFleet(v.fleet()).setKind(v.kind()).setName(v.name()))
                .setSpecJson(v.spec().toString()).setRevision(v.revision())
                .setUpdatedAtMs(v.updatedAt().toInstant().toEpochMilli()).setUpdatedBy(v.updatedBy()).build();
    }

    private static ChangeResult result(FleetService.ChangeResult r) {
        return ChangeResult.newBuilder().setRevision(r.revision()).setDryRun(r.dryRun())
                .addAllChanges(r.changes().stream().map(AdminGrpcService::change).toList())
                .addAllWarnings(r.warnings()).build();
    }

    private static Change change(FleetService.Change c) {
        return Change.newBuilder().setRef(ResourceRef.newBuilder().setFleet(c.fleet()).setKind(c.kind()).setName(c.name()))
                .setAction(c.action()).setBeforeJson(c.before() == null ? "" : c.before().toString())
                .setAfterJson(c.after() == null ? "" : c.after().toString()).build();
    }

    private static NodeInfo nodeInfo(NodeView n) {
        return NodeInfo.newBuilder().setNodeId(n.nodeId()).setBootId(n.bootId()).setFleet(n.fleet())
                .setAddress(n.address()).setBuild(n.build()).putAllLabels(n.labels())
                .setLastSeenMs(n.lastSeen().toEpochMilli()).setAppliedGeneration(n.appliedGeneration())
                .setStatus(NodeSyncStatus.valueOf(n.status().name())).setLastError(n.lastError()).build();
    }

    private static Status status(RequestRefused.Kind kind) {
        return switch (kind) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case FORBIDDEN -> Status.PERMISSION_DENIED;
            case NOT_FOUND -> Status.NOT_FOUND;
            case CONFLICT -> Status.FAILED_PRECONDITION;
            case PRECONDITION_FAILED -> Status.ABORTED;
        };
    }

    /** Maps the service's exceptions to status codes with the same text REST puts in problem+json. */
    private static <T> void respond(StreamObserver<T> response, Supplier<T> call) {
        try {
            response.onNext(call.get());
            response.onCompleted();
        } catch (RequestRefused e) {
            response.onError(status(e.kind()).withDescription(e.getMessage()).asRuntimeException());
        } catch (io.grpc.StatusRuntimeException e) {
            response.onError(e); // PERMISSION_DENIED from GrpcCallers.require
        }
    }
}
