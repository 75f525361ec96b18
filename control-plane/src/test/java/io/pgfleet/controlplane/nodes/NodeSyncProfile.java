package io.pgfleet.controlplane.nodes;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** NOTIFY only (no polling to mask a missed one), short ack timeout and heartbeat. */
public class NodeSyncProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "pgfleet.nodes.poll-interval", "1h",
                "pgfleet.nodes.ack-timeout", "2s",
                "pgfleet.nodes.heartbeat-interval", "1s");
    }
}
