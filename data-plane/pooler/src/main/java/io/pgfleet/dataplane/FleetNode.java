package io.pgfleet.dataplane;

import io.pgfleet.dataplane.agent.AgentSettings;
import io.pgfleet.dataplane.agent.ControlPlaneAgent;
import io.pgfleet.dataplane.agent.PushApplier;
import io.pgfleet.dataplane.agent.SnapshotStore;
import io.pgfleet.dataplane.agent.StatsReports;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.proto.v1.ConfigPush;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * A pooler node fed by the control plane: the pooler plus its agent. Serves nothing until
 * the first push arrives, or until it applied its local snapshot (when it has one); after
 * that it serves its last good config whether or not the control plane is reachable.
 */
public final class FleetNode implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FleetNode.class);

    private final ConfigHolder config;
    private final Pooler pooler;
    private final ControlPlaneAgent agent;
    private final PushApplier applier;

    private FleetNode(ConfigHolder config, Pooler pooler, ControlPlaneAgent agent, PushApplier applier) {
        this.config = config;
        this.pooler = pooler;
        this.agent = agent;
        this.applier = applier;
    }

    public static FleetNode start(PoolerSettings poolerSettings, AgentSettings agentSettings) throws InterruptedException {
        return start(poolerSettings, agentSettings, null);
    }

    /**
     * @param snapshot where the node keeps its last applied config; null = nowhere. Read
     *                 before the control plane is contacted, so the node serves at once and
     *                 its Hello says what it holds; written after every applied push.
     */
    public static FleetNode start(PoolerSettings poolerSettings, AgentSettings agentSettings, SnapshotStore snapshot)
            throws InterruptedException {
        ConfigHolder config = new ConfigHolder();
        Pooler pooler = Pooler.start(poolerSettings, config);
        PushApplier applier = snapshot == null ? new PushApplier(config) : new PushApplier(config, snapshot::writeQuietly);
        Optional<ConfigPush> restored = snapshot == null ? Optional.empty() : snapshot.read();
        restored.ifPresent(held -> {
            applier.apply(held);
            LOG.infof("serving the config snapshot %s (generation %d, %d resources) until the control plane answers",
                    snapshot.file(), held.getGeneration(), held.getUpsertsCount());
        });
        ControlPlaneAgent agent = new ControlPlaneAgent(agentSettings, applier,
                new StatsReports(pooler, applier::appliedGeneration));
        agent.start();
        return new FleetNode(config, pooler, agent, applier);
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

    /** The generation of the last push applied (from the control plane or the snapshot); 0 before any. */
    public long appliedGeneration() {
        return applier.appliedGeneration();
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
