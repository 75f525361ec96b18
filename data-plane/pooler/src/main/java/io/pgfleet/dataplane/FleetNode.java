package io.pgfleet.dataplane;

import io.pgfleet.dataplane.agent.AgentSettings;
import io.pgfleet.dataplane.agent.ControlPlaneAgent;
import io.pgfleet.dataplane.agent.PushApplier;
import io.pgfleet.dataplane.config.ConfigHolder;

/**
 * A pooler node fed by the control plane: the pooler plus its agent. Serves nothing until
 * the first push arrives; after that it serves its last good config whether or not the
 * control plane is reachable.
 */
public final class FleetNode implements AutoCloseable {
    private final ConfigHolder config;
    private final Pooler pooler;
    private final ControlPlaneAgent agent;

    private FleetNode(ConfigHolder config, Pooler pooler, ControlPlaneAgent agent) {
        this.config = config;
        this.pooler = pooler;
        this.agent = agent;
    }

    public static FleetNode start(PoolerSettings poolerSettings, AgentSettings agentSettings) throws InterruptedException {
        ConfigHolder config = new ConfigHolder();
        Pooler pooler = Pooler.start(poolerSettings, config);
        ControlPlaneAgent agent = new ControlPlaneAgent(agentSettings, new PushApplier(config), pooler.counters());
        agent.start();
        return new FleetNode(config, pooler, agent);
    }

    public int port() {
        return pooler.port();
    }

    public ConfigHolder config() {
        return config;
    }

    public Pooler pooler() {
        return pooler;
    }

    public ControlPlaneAgent agent() {
        return agent;
    }

    @Override
    public void close() {
        agent.close();
        pooler.close();
    }

    /** Graceful stop: see {@link Pooler#drain}. */
    public boolean drain(java.time.Duration deadline) {
        boolean clean = pooler.drain(deadline);
        agent.close();
        return clean;
    }
}
