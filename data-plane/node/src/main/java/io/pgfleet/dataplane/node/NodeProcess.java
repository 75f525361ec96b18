package io.pgfleet.dataplane.node;

import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.agent.AgentSettings;
import io.pgfleet.dataplane.agent.SnapshotStore;
import io.pgfleet.dataplane.client.ClientRegistry;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import io.pgfleet.dataplane.pool.PoolManager;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.dataplane.stats.NodeCounters;
import io.pgfleet.proto.v1.NodeIdentity;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Starts the pooler engine with the process, in standalone or fleet mode, and stops it
 * with the process. All the pooling is in the engine; this class only wires config in.
 */
@ApplicationScoped
public class NodeProcess {
    private static final Logger LOG = Logger.getLogger(NodeProcess.class);

    private final NodeOptions options;
    private final String build;
    private ConfigHolder config;
    private NodeCounters counters;
    private PoolManager pools;
    private ClientRegistry clients;
    /** Drains the running engine: stop accepting, let transactions finish up to a deadline, close. */
    private volatile java.util.function.Predicate<java.time.Duration> drain;
    private HangupSignal hangup;
    /** Set once the pooler listens, never cleared. Startup check. */
    private volatile boolean started;
    /** Set when the node begins to drain (process shutdown); readiness goes DOWN with it. */
    private volatile boolean stopping;
    private int port;
    /** Fleet mode: whether the Sync stream to the control plane is up; null standalone. */
    private BooleanSupplier controlPlaneConnected;
    /** Whether the pooler's listener still takes clients (an admin-console SHUTDOWN closes it). */
    private BooleanSupplier listening = () -> true;
    /** Fleet mode: the generation of the last applied push; null standalone. */
    private LongSupplier configGeneration;

    public NodeProcess(NodeOptions options, @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String build) {
        this.options = options;
        this.build = build;
    }

    void onStart(@Observes StartupEvent event) throws Exception {
        if (options.configFile().isPresent() == options.controlPlane().isPresent()) {
            throw new IllegalStateException("set exactly one of pgfleet.node.config-file (standalone, a pgbouncer.ini) "
                    + "or pgfleet.node.control-plane (fleet, host:port)");
        }
        if (options.configFile().isPresent()) {
            Path file = Path.of(options.configFile().get());
            PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.load(file);
            StandaloneConfigReloader.logWarnings(file, loaded.warnings());
            config = new ConfigHolder(loaded.config());
            Pooler pooler = Pooler.start(loaded.settings().withEventLoopThreads(options.eventLoops()), config);
            counters = pooler.counters();
            pools = pooler.pools();
            listening = pooler::listening;
            clients = pooler.clients();
            drain = pooler::drain;
            port = pooler.port();
            started = true;
            StandaloneConfigReloader reloader = new StandaloneConfigReloader(file, config, loaded.settings());
            hangup = HangupSignal.install(reloader::reload);
            pooler.reloadWith(reloader::reload); // the admin console's RELOAD, like SIGHUP
            pooler.onConsoleShutdown(Quarkus::asyncExit); // the admin console's SHUTDOWN ends the process
            LOG.infof("standalone node serving %s on port %d%s", file, pooler.port(),
                    hangup == null ? "" : "; SIGHUP reloads it");
        } else {
            String nodeId = options.id().orElseGet(() -> hostName() + "-" + options.listenPort());
            NodeIdentity identity = NodeIdentity.newBuilder().setNodeId(nodeId).setBootId(UUID.randomUUID().toString())
                    .setFleet(options.fleet()).setBuild(build).putAllLabels(options.labels())
                    .setAddress(options.listenAddress() + ":" + options.listenPort()).build();
            FleetNode node = FleetNode.start(PoolerSettings.defaults(options.listenAddress(), options.listenPort())
                            .withEventLoopThreads(options.eventLoops()),
                    new AgentSettings(options.controlPlane().get(), options.controlPlanePlaintext(), identity,
                            options.token().orElse(""), options.statsInterval()),
                    snapshotStore());
            config = node.config();
            counters = node.pooler().counters();
            pools = node.pooler().pools();
            listening = node.pooler()::listening;
            clients = node.pooler().clients();
            drain = node::drain;
            // RELOAD stays the default (config comes from the control plane); SHUTDOWN ends the process
            node.pooler().onConsoleShutdown(Quarkus::asyncExit);
            port = node.port();
            controlPlaneConnected = node.agent()::connected;
            configGeneration = node::appliedGeneration;
            started = true;
            LOG.infof("node %s serving on port %d, config from control plane %s", nodeId, node.port(), options.controlPlane().get());
        }
    }

    void onStop(@Observes ShutdownEvent event) throws Exception {
        if (hangup != null) {
            hangup.close();
        }
        // SIGTERM lands here: a rolling restart loses no committed work.
        drain(options.shutdownTimeout());
    }

    /**
     * Drains the engine once (later calls return false at once): readiness goes DOWN first,
     * then the listener closes and clients leave as their transactions end, up to the deadline.
     * Returns true when every client left in time.
     */
    public boolean drain(java.time.Duration deadline) {
        java.util.function.Predicate<java.time.Duration> running;
        synchronized (this) {
            running = drain;
            drain = null;
            stopping = true;
        }
        return running != null && running.test(deadline);
    }

    private SnapshotStore snapshotStore() {
        if (options.snapshotFile().isEmpty()) {
            return null;
        }
        if (options.snapshotKey().isEmpty()) {
            throw new IllegalStateException("pgfleet.node.snapshot-key (base64 of 32 bytes) is required when "
                    + "pgfleet.node.snapshot-file is set");
        }
        byte[] key;
        try {
            key = SnapshotStore.keyFromBase64(options.snapshotKey().get());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("pgfleet.node." + e.getMessage()); // names the problem, never the key
        }
        return new SnapshotStore(Path.of(options.snapshotFile().get()), key);
    }

    /** Readiness: the node has a config to serve. */
    public boolean hasConfig() {
        return config != null && config.hasConfig();
    }

    /** Startup: the pooler has bound its port and started its pools. */
    public boolean started() {
        return started;
    }

    /**
     * Readiness: the pooler takes new clients — it started, and neither this process nor the
     * engine (e.g. a SHUTDOWN from the admin console) is draining it.
     */
    public boolean acceptingClients() {
        return started && !stopping && !pools.draining() && listening.getAsBoolean();
    }

    /** The client port the pooler listens on; 0 before it started. */
    public int port() {
        return port;
    }

    /** Fleet mode: whether the node's Sync stream to the control plane is up; empty standalone. */
    public Optional<Boolean> controlPlaneConnected() {
        BooleanSupplier connected = controlPlaneConnected;
        return connected == null ? Optional.empty() : Optional.of(connected.getAsBoolean());
    }

    /** Fleet mode: the generation of the config push last applied; empty standalone. */
    public OptionalLong configGeneration() {
        LongSupplier generation = configGeneration;
        return generation == null ? OptionalLong.empty() : OptionalLong.of(generation.getAsLong());
    }

    /** The engine's pools; null before it started. */
    public PoolManager pools() {
        return pools;
    }

    /** The config the node serves now; null before it started. */
    public NodeConfig currentConfig() {
        return config == null ? null : config.current();
    }

    /** The engine's logged-in clients; null before it started. */
    public ClientRegistry clients() {
        return clients;
    }

    public NodeCounters counters() {
        return counters;
    }

    /** Pins and prepared statements over all pools; zero before the engine started. */
    public PoolSessionStats.Totals sessionTotals() {
        return pools == null ? PoolSessionStats.Totals.ZERO : pools.sessionTotals();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "node";
        }
    }
}
