package io.pgfleet.controlplane;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pgfleet.proto.v1.AdminServiceGrpc;
import io.pgfleet.proto.v1.ChangeResult;
import io.pgfleet.proto.v1.GetResourceRequest;
import io.pgfleet.proto.v1.ListRevisionsRequest;
import io.pgfleet.proto.v1.PutResourceRequest;
import io.pgfleet.proto.v1.ResourceDocument;
import io.pgfleet.proto.v1.ResourceRef;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.controlplane.TestTokens.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gRPC AdminService runs the same operations as REST, with the same rules and messages. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class AdminGrpcApiTest {
    @TestHTTPResource("/")
    URL controlPlane;

    private ManagedChannel channel;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
        admin = TestTokens.withAdminToken(AdminServiceGrpc.newBlockingStub(channel));
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static ResourceRef ref(String kind, String name) {
        return ResourceRef.newBuilder().setFleet("default").setKind(kind).setName(name).build();
    }

    @Test
    void aChangeOverGrpcIsTheSameChangeAsOverRest() {
        ChangeResult created = admin.putResource(PutResourceRequest.newBuilder().setRef(ref("upstream", "grpc_db"))
                .setSpecJson("{\"host\": \"db.internal\", \"port\": 6543}").build());
        assertThat(created.getRevision()).isPositive();
        assertThat(created.getChanges(0).getAction()).isEqualTo("create");

        ResourceDocument read = admin.getResource(GetResourceRequest.newBuilder().setRef(ref("upstream", "grpc_db")).build());
        assertThat(read.getRevision()).isEqualTo(created.getRevision());
        assertThat(read.getSpecJson()).contains("db.internal").contains("6543");
        TestTokens.given().get("/api/v1/fleets/default/upstreams/grpc_db").then().statusCode(200)
                .header("ETag", "\"" + created.getRevision() + "\"");

        ChangeResult user = admin.putResource(PutResourceRequest.newBuilder().setRef(ref("user", "grpc_user"))
                .setSpecJson("{\"password\": \"grpc-secret-password\"}").build());
        assertThat(user.toString()).doesNotContain("grpc-secret-password");
        assertThat(admin.listRevisions(ListRevisionsRequest.newBuilder().setFleet("default").setLimit(1).build())
                .getRevisions(0).getSummary()).isEqualTo("create user grpc_user");
    }

    @Test
    void badInputGetsTheSameMessageAsRest() {
        assertThatThrownBy(() -> admin.putResource(PutResourceRequest.newBuilder().setRef(ref("upstream", "bad"))
                .setSpecJson("{\"host\": \"h\", \"port\": 70000}").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("out of range");
                });
        assertThatThrownBy(() -> admin.getResource(GetResourceRequest.newBuilder().setRef(ref("upstream", "absent")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> admin.putResource(PutResourceRequest.newBuilder().setRef(ref("upstream", "stale"))
                .setSpecJson("{\"host\": \"h\"}").setIfMatch(1).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
    }

    @Test
    void aViewerTokenMayReadButNotWrite() {
        String viewer = TestTokens.given().contentType("application/json").body("{\"name\": \"admin-api-viewer\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().jsonPath().getString("token");
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + viewer);
        AdminServiceGrpc.AdminServiceBlockingStub asViewer = AdminServiceGrpc.newBlockingStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));

        assertThat(asViewer.listResources(io.pgfleet.proto.v1.ListResourcesRequest.newBuilder().setFleet("default").setKind("upstream").build())
                .getResourcesList()).isNotNull();
        assertThatThrownBy(() -> asViewer.putResource(PutResourceRequest.newBuilder().setRef(ref("upstream", "viewer_db"))
                .setSpecJson("{\"host\": \"h\"}").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("operator");
                });
        assertThatThrownBy(() -> admin.getResource(GetResourceRequest.newBuilder().setRef(ref("upstream", "viewer_db")).build()))
                .as("nothing was written").isInstanceOf(StatusRuntimeException.class);
    }
}
