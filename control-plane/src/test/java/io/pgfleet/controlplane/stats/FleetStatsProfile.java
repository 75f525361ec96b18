package io.pgfleet.controlplane.stats;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A 1 s report interval (stale after 3 s) so that tests run in seconds. */
public class FleetStatsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgfleet.stats.interval", "1s", "pgfleet.stats.history", "15m");
    }
}
