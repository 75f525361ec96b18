package io.pgfleet.controlplane.nodes;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** No LISTEN at all: changes reach nodes only by the polling fallback. */
public class PollingProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "pgfleet.nodes.listen", "false",
                "pgfleet.nodes.poll-interval", "300ms");
    }
}
