package io.pgfleet.controlplane;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.pgfleet.proto.v1.AdminServiceGrpc;
import io.pgfleet.proto.v1.ListNodesRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** API tokens: who may call what over REST and gRPC AdminService, and that tokens never leak. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ApiTokenAuthTest {
    static final String ADMIN_TOKEN = "test-admin-token";

    @TestHTTPResource("/")
    URL controlPlane;

    @Test
    void missingOrBadTokenGets401ProblemWithoutEchoingTheToken() {
        given().get("/api/v1/nodes").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("status", equalTo(401));
        String bad = "pgf_not-a-real-token-4f1c2b";
        given().header("Authorization", "Bearer " + bad).get("/api/v1/nodes").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body(not(containsString(bad)));
        given().header("Authorization", "Basic " + ADMIN_TOKEN).get("/api/v1/fleets/default/upstreams").then().statusCode(401);
        given().header("Authorization", "Bearer " + bad).contentType(ContentType.JSON).body("{\"host\": \"db\"}")
                .put("/api/v1/fleets/default/upstreams/x").then().statusCode(401).body(not(containsString(bad)));
        // A path that matches no resource is a 404 either way.
        given().get("/api/v1/no-such-thing").then().statusCode(404);
        // Health and OpenAPI stay open.
        given().get("/q/health").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void rolesDecideWhatATokenMayDoAndRevokedTokensStopWorking() {
        String viewer = create("auth-viewer", "viewer");
        String operator = create("auth-operator", "operator");

        as(viewer).get("/api/v1/fleets/default/upstreams").then().statusCode(200);
        as(viewer).get("/api/v1/nodes").then().statusCode(200);
        as(viewer).contentType(ContentType.JSON).body("{\"host\": \"db.example\", \"port\": 5432}")
                .put("/api/v1/fleets/default/upstreams/authdb").then().statusCode(403)
                .contentType("application/problem+json")
                .body("detail", containsString("operator"))
                .body(not(containsString(viewer)));
        as(viewer).get("/api/v1/tokens").then().statusCode(403)
                .contentType("application/problem+json").body("detail", containsString("admin"));

        as(operator).contentType(ContentType.JSON).body("{\"host\": \"db.example\", \"port\": 5432}")
                .put("/api/v1/fleets/default/upstreams/authdb").then().statusCode(201);
        as(operator).get("/api/v1/fleets/default/upstreams").then().statusCode(200).body("name", hasItem("authdb"));
        as(operator).contentType(ContentType.JSON).body("{\"name\": \"x\", \"role\": \"admin\"}")
                .post("/api/v1/tokens").then().statusCode(403);

        as(ADMIN_TOKEN).delete("/api/v1/tokens/auth-viewer").then().statusCode(204);
        as(viewer).get("/api/v1/fleets/default/upstreams").then().statusCode(401);
        as(ADMIN_TOKEN).delete("/api/v1/tokens/auth-operator").then().statusCode(204);
    }

    @Test
    void adminCreatesListsAndRevokesTokensAndTheTokenIsShownOnce() {
        Response created = as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"ci-deploy\", \"role\": \"operator\"}")
                .post("/api/v1/tokens");
        created.then().statusCode(201).body("name", equalTo("ci-deploy")).body("role", equalTo("operator"))
                .body("token", startsWith("pgf_"));
        String token = created.path("token");
        assertThat(token.length()).isGreaterThanOrEqualTo(4 + 43);

        String listing = as(ADMIN_TOKEN).get("/api/v1/tokens").then().statusCode(200)
                .body("find { it.name == 'ci-deploy' }.role", equalTo("operator"))
                .body("find { it.name == 'ci-deploy' }.createdBy", equalTo("admin-token"))
                .body("find { it.name == 'ci-deploy' }.createdAt", org.hamcrest.Matchers.notNullValue())
                .extract().asString();
        assertThat(listing).doesNotContain(token).doesNotContain(token.substring(4))
                .doesNotContainIgnoringCase("sha256").doesNotContain("\"token\"");

        // A token made by a token records its maker.
        String maker = create("token-maker", "admin");
        as(maker).contentType(ContentType.JSON).body("{\"name\": \"made-by-maker\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(201);
        as(ADMIN_TOKEN).get("/api/v1/tokens").then()
                .body("find { it.name == 'made-by-maker' }.createdBy", equalTo("token-maker"));

        // Validation and conflicts.
        as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"ci-deploy\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(400).contentType("application/problem+json");
        as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"x\", \"role\": \"root\"}")
                .post("/api/v1/tokens").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("viewer, operator, admin"));
        as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"bad name\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(400).contentType("application/problem+json");
        as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"admin-token\", \"role\": \"viewer\"}")
                .post("/api/v1/tokens").then().statusCode(400).contentType("application/problem+json");

        as(token).get("/api/v1/fleets/default/upstreams").then().statusCode(200);
        as(ADMIN_TOKEN).delete("/api/v1/tokens/ci-deploy").then().statusCode(204);
        as(token).get("/api/v1/fleets/default/upstreams").then().statusCode(401);
        as(ADMIN_TOKEN).delete("/api/v1/tokens/ci-deploy").then().statusCode(404).contentType("application/problem+json");
        as(ADMIN_TOKEN).get("/api/v1/tokens").then().body("name", not(hasItem("ci-deploy")));
        as(ADMIN_TOKEN).delete("/api/v1/tokens/token-maker").then().statusCode(204);
        as(ADMIN_TOKEN).delete("/api/v1/tokens/made-by-maker").then().statusCode(204);
    }

    @Test
    void grpcAdminServiceNeedsAToken() throws Exception {
        String viewer = create("grpc-viewer", "viewer");
        ManagedChannel channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
        try {
            AdminServiceGrpc.AdminServiceBlockingStub stub = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> stub.listNodes(ListNodesRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> withToken(stub, "pgf_wrong").listNodes(ListNodesRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pgf_wrong"));

            assertThat(withToken(stub, viewer).listNodes(ListNodesRequest.getDefaultInstance())).isNotNull();

            as(ADMIN_TOKEN).delete("/api/v1/tokens/grpc-viewer").then().statusCode(204);
            assertThatThrownBy(() -> withToken(stub, viewer).listNodes(ListNodesRequest.getDefaultInstance()))
                    .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static AdminServiceGrpc.AdminServiceBlockingStub withToken(AdminServiceGrpc.AdminServiceBlockingStub stub, String token) {
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }

    static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static String create(String name, String role) {
        return as(ADMIN_TOKEN).contentType(ContentType.JSON).body("{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
    }
}
