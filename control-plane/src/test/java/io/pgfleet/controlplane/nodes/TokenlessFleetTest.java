package io.pgfleet.controlplane.nodes;

import io.grpc.Status;
import io.pgfleet.controlplane.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Out of the box a fleet without a bootstrap token admits no node: nodes receive the
 * fleet's server passwords, so "anyone who reaches the gRPC port" must not be enough.
 */
@QuarkusTest
@TestProfile(TokenlessFleetTest.TokensRequired.class)
@QuarkusTestResource(PostgresTestResource.class)
class TokenlessFleetTest {
    @TestHTTPResource("/")
    URL controlPlane;

    /** The production default; the test profile otherwise allows tokenless fleets. */
    public static class TokensRequired implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgfleet.nodes.allow-tokenless-fleets", "false");
        }
    }

    @Test
    void aFleetWithoutABootstrapTokenAdmitsNoNode() throws Exception {
        try (NodeSyncTestSupport.HandPlayedNode node = new NodeSyncTestSupport.HandPlayedNode(controlPlane,
                NodeSyncTestSupport.HandPlayedNode.hello("no-token-1", "default", "", 0))) {
            Status ended = node.ended.get(10, TimeUnit.SECONDS);
            assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ended.getDescription()).contains("fleet default has no bootstrap token").contains("pgfleet.node.token");
            assertThat(node.pollPush(Duration.ZERO)).as("no config, no passwords").isNull();
        }
    }
}
