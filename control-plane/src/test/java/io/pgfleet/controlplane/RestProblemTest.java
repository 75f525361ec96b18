package io.pgfleet.controlplane;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/** Bad input to the REST API gets a clear problem+json answer, and nothing is stored. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class RestProblemTest {
    @Test
    void badInputGetsProblemJson() {
        admin().contentType("application/json").body("{\"host\": \"db\", \"port\": 70000}")
                .put("/api/v1/fleets/default/upstreams/orders").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("out of range"));
        admin().contentType("application/json").body("{\"password\": \"\"}")
                .put("/api/v1/fleets/default/users/bad%20name").then().statusCode(400)
                .contentType("application/problem+json");
        admin().get("/api/v1/fleets/default/upstreams").then().statusCode(200).body("name", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem("orders")));
    }

    @Test
    void aBodyThatIsNotJsonIsAProblemThatDoesNotEchoIt() {
        admin().contentType("application/json").body("{\"password\": \"leaky-secret-value")
                .put("/api/v1/fleets/default/users/someone").then().statusCode(400)
                .contentType("application/problem+json")
                .body(org.hamcrest.Matchers.not(containsString("leaky-secret-value")));
    }

    @Test
    void theOpenApiDocumentDescribesTheApiAndItsBearerTokens() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.apiToken.scheme", org.hamcrest.Matchers.equalTo("bearer"))
                .body("paths.keySet()", org.hamcrest.Matchers.hasItems("/api/v1/fleets/{fleet}/{collection}/{name}",
                        "/api/v1/fleets/{fleet}/rollback", "/api/v1/fleets/{fleet}/import", "/api/v1/revisions", "/api/v1/nodes"));
    }

    /** Calls as the test profile's bootstrap admin token (pgfleet.api.admin-token). */
    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer test-admin-token");
    }
}
