package io.pgfleet.controlplane.health;

import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.testkit.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The control plane's health: started once its migrations are applied, live regardless of
 * its database, ready only while it reaches its PostgreSQL (Agroal's datasource check, which
 * quarkus-agroal registers with SmallRye Health; asserted here, not duplicated). The test
 * stops that PostgreSQL, so it runs on a server of its own: a test profile of its own starts
 * the app with a fresh {@link PostgresTestResource} and no shared one.
 */
@QuarkusTest
@TestProfile(ControlPlaneHealthTest.OwnDatabase.class)
class ControlPlaneHealthTest {
    private static final String DATASOURCE_CHECK = "Database connections health check";

    public static class OwnDatabase implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PostgresTestResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void readyWithItsDatabaseNotReadyWithoutItAndLiveThroughout() {
        given().get("/q/health/started").then().statusCode(200)
                .body("checks.find { it.name == 'database migrations' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'database migrations' }.data.version", notNullValue());
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'control plane' }.status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == '" + DATASOURCE_CHECK + "' }.status", equalTo("UP"));

        PostgresTestResource.server().stop();
        try {
            Eventually.await(Duration.ofSeconds(30), "readiness DOWN without PostgreSQL",
                    () -> given().get("/q/health/ready").statusCode() == 503);
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == '" + DATASOURCE_CHECK + "' }.status", equalTo("DOWN"));
            given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            given().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
        } finally {
            PostgresTestResource.server().restart();
        }
        Eventually.await(Duration.ofSeconds(30), "readiness UP again with PostgreSQL back",
                () -> given().get("/q/health/ready").statusCode() == 200);
    }
}
