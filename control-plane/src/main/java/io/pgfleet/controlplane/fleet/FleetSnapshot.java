package io.pgfleet.controlplane.fleet;

import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;

import java.util.Map;

/** The desired state at one generation, as the resources nodes receive. Immutable. */
public record FleetSnapshot(long generation, Map<ResourceKey, Resource> resources) {
    public FleetSnapshot {
        resources = Map.copyOf(resources);
    }
}
