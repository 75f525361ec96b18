package io.pgfleet.dataplane.config;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The node's current config. Swapped atomically; readers take one snapshot per login.
 * {@link #hasConfig()} backs readiness: a node is ready once it holds any config at all.
 */
public final class ConfigHolder {
    private final AtomicReference<NodeConfig> current = new AtomicReference<>(NodeConfig.EMPTY);
    private volatile boolean hasConfig;

    public ConfigHolder() {
    }

    public ConfigHolder(NodeConfig initial) {
        replace(initial);
    }

    public NodeConfig current() {
        return current.get();
    }

    public void replace(NodeConfig config) {
        current.set(config);
        hasConfig = true;
    }

    public boolean hasConfig() {
        return hasConfig;
    }
}
