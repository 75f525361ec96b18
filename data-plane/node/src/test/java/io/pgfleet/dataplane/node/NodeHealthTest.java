package io.pgfleet.dataplane.node;

import io.pgfleet.testkit.Eventually;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

/**
 * Health of a standalone node: started, live and ready while it serves; not ready — but
 * still live — once it drains, while a client finishes its transaction. Its own Quarkus
 * app (the test drains it).
 */
@QuarkusTest
@TestProfile(NodeHealthTest.OwnNode.class)
class NodeHealthTest {
    public static class OwnNode implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(StandaloneNodeTest.PgBouncerFiles.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Inject
    NodeProcess node;

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + StandaloneNodeTest.PgBouncerFiles.listenPort
                + "/appdb?sslmode=disable&connectTimeout=5", "app", "app-secret");
    }

    @Test
    void readyWhileServingThenNotReadyButLiveWhileDraining() throws Exception {
        given().get("/q/health/started").then().statusCode(200)
                .body("checks.find { it.name == 'pooler' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'pooler' }.data.port", equalTo(StandaloneNodeTest.PgBouncerFiles.listenPort));
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'node' }.data.controlPlane", equalTo("none (standalone)"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'config' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'clients' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'clients' }.data.state", equalTo("accepting"));

        try (Connection inTransaction = connect()) {
            inTransaction.setAutoCommit(false);
            inTransaction.createStatement().execute("SELECT 1");

            // SIGTERM's path: the client in its transaction keeps the drain waiting.
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> node.drain(Duration.ofSeconds(20)));
            Eventually.await(Duration.ofSeconds(10), "readiness DOWN while draining",
                    () -> given().get("/q/health/ready").statusCode() == 503);
            given().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'clients' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'clients' }.data.state", equalTo("draining"))
                    .body("checks.find { it.name == 'config' }.status", equalTo("UP"));
            given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
            assertThat(drained).isNotDone();
            assertThatThrownBy(NodeHealthTest::connect).as("no new clients while draining").isInstanceOf(SQLException.class);

            inTransaction.commit(); // its transaction ends: the node lets it go and the drain completes
            assertThat(drained.get(15, TimeUnit.SECONDS)).isTrue();
        }
        given().get("/q/health/ready").then().statusCode(503);
        given().get("/q/health/live").then().statusCode(200);
        assertThat(node.drain(Duration.ofSeconds(1))).as("a second drain does nothing").isFalse();
    }
}
