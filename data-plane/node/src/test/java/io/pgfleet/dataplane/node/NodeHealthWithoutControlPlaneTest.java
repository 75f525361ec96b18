package io.pgfleet.dataplane.node;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A fleet node whose control plane never answers: it started and it is live (restarting it
 * would not help), but it has no config, so it is not ready; its metrics say so.
 */
@QuarkusTest
@TestProfile(NodeHealthWithoutControlPlaneTest.UnreachableControlPlane.class)
class NodeHealthWithoutControlPlaneTest {
    public static class UnreachableControlPlane implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    // a port nobody listens on: the agent keeps retrying with backoff
                    "pgfleet.node.control-plane", "127.0.0.1:" + freePort(),
                    "pgfleet.node.control-plane-plaintext", "true",
                    "pgfleet.node.listen-port", String.valueOf(freePort()),
                    "pgfleet.node.id", "health-test-node");
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void startedAndLiveButNotReadyWithoutConfig() {
        given().get("/q/health/started").then().statusCode(200)
                .body("checks.find { it.name == 'pooler' }.status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'node' }.data.controlPlane", equalTo("disconnected"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'config' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'clients' }.status", equalTo("UP"));
    }

    @Test
    void metricsSayDisconnectedWithNoConfigGeneration() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("\npgfleet_control_plane_connected 0.0\n"))
                .body(containsString("\npgfleet_config_generation 0.0\n"))
                .body(containsString("\npgbouncer_up 1.0\n"));
    }
}
