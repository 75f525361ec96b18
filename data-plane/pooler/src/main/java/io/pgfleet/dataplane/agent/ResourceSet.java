package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.proto.v1.HeldResource;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The resources a node holds from the control plane, immutable, and the config they make. */
record ResourceSet(Map<ResourceKey, Resource> resources) {
    static final ResourceSet EMPTY = new ResourceSet(Map.of());

    /** The config, and the resources held but not served, with why. */
    record Mapped(NodeConfig config, Map<ResourceKey, String> unserved) {
    }

    ResourceSet {
        resources = Map.copyOf(resources);
    }

    List<HeldResource> held() {
        List<HeldResource> held = new ArrayList<>();
        resources.values().forEach(r -> held.add(HeldResource.newBuilder().setKey(r.getKey()).setRevision(r.getRevision()).build()));
        return held;
    }

    NodeConfig toNodeConfig() {
        return map().config();
    }

    Mapped map() {
        return ResourceMapping.map(resources.values());
    }
}
