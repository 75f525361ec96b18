package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.PostgresTestResource;
import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.testkit.PostgresServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;

import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.await;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.hasDatabase;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.putUpstreamBehindTheServicesBack;
import static io.pgfleet.controlplane.nodes.NodeSyncTestSupport.startNode;

/** Without LISTEN, a change committed by another replica (no NOTIFY) reaches nodes by polling. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestProfile(PollingProfile.class)
class PollingFallbackTest {
    @TestHTTPResource("/")
    URL controlPlane;

    @Test
    void aChangeWithoutNotifyReachesNodesByPolling() throws Exception {
        PostgresServer pg = PostgresTestResource.server();
        try (FleetNode node = startNode(controlPlane, "poll-1", "default")) {
            await(() -> node.agent().connected(), Duration.ofSeconds(5), "node synced");
            putUpstreamBehindTheServicesBack("default", "polled_db", pg.host(), pg.port(), false);
            await(() -> hasDatabase(node, "polled_db"), Duration.ofSeconds(5), "polled_db on the node");
        }
    }
}
