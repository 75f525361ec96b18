package io.pgfleet.dataplane.config;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The node's current config. Swapped atomically; readers take one snapshot per login.
 * {@link #hasConfig()} backs readiness: a node is ready once it holds any config at all.
 */
public final class ConfigHolder {
    private final AtomicReference<NodeConfig> current = new AtomicReference<>(NodeConfig.EMPTY);
    private volatile boolean hasConfig;
    private final List<Consumer<NodeConfig>> listeners = new CopyOnWriteArrayList<>();

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
        listeners.forEach(l -> l.accept(config));
    }

    /**
     * Runs after every replace, on the replacing thread. The pools use it to drain servers
     * of changed or removed databases at once rather than at their next client.
     */
    public void onReplace(Consumer<NodeConfig> listener) {
        listeners.add(listener);
    }

    public boolean hasConfig() {
        return hasConfig;
    }
}
