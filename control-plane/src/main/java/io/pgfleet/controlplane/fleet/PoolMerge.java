package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;

/** Pool settings laid over others key by key: what an import brings overrides, the rest stays. */
final class PoolMerge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PoolMerge() {
    }

    /** @return the merged settings, or null when neither sets anything */
    static PoolSpec over(PoolSpec base, PoolSpec overrides) {
        ObjectNode merged = base == null ? JSON.createObjectNode() : JSON.valueToTree(base);
        if (overrides != null) {
            merged.setAll((ObjectNode) JSON.valueToTree(overrides));
        }
        PoolSpec result = JSON.convertValue(merged, PoolSpec.class);
        return result.isEmpty() ? null : result;
    }
}
