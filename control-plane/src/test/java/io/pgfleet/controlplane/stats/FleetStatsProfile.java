package io.pgfleet.controlplane.stats;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** A 1 s report interval (stale after 3 s) so that tests run in seconds; at most 2000 points per query. */
public class FleetStatsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        // max-points low enough that a test can pass it with series rather than steps
        return Map.of("pgfleet.stats.interval", "1s", "pgfleet.stats.history", "15m", "pgfleet.stats.max-points", "2000");
    }
}
