package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A group of nodes that serve the same databases. {@code bootstrapToken} is write-only:
 * nodes of the fleet present it in their Hello; only its SHA-256 is stored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FleetSpec(String description, PoolSpec pool, String bootstrapToken) {
    @Override
    public String toString() {
        return "FleetSpec[" + description + ", pool=" + pool + ", token redacted]";
    }
}
