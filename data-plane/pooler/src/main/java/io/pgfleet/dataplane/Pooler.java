package io.pgfleet.dataplane;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgfleet.dataplane.auth.ScramKeyCache;
import io.pgfleet.dataplane.client.ClientChannelInitializer;
import io.pgfleet.dataplane.client.ClientRegistry;
import io.pgfleet.dataplane.client.PoolerContext;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.console.ConsoleServices;
import io.pgfleet.dataplane.console.ConsoleSessions;
import io.pgfleet.dataplane.console.NodeActions;
import io.pgfleet.dataplane.console.StatsPeriod;
import io.pgfleet.dataplane.pool.PoolManager;
import io.pgfleet.dataplane.server.ServerConnector;
import io.pgfleet.dataplane.stats.NodeCounters;
import io.pgfleet.dataplane.transport.Transport;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One pooler node's listening socket, event loops and pools. Plain Java: start it from a
 * test, a main method or the Quarkus shell alike.
 */
public final class Pooler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Pooler.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ExecutorService cryptoExecutor;
    private final Channel listener;
    private final PoolerContext context;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Runnable afterConsoleShutdown;

    private Pooler(EventLoopGroup bossGroup, EventLoopGroup workerGroup, ExecutorService cryptoExecutor,
                   Channel listener, PoolerContext context) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.cryptoExecutor = cryptoExecutor;
        this.listener = listener;
        this.context = context;
    }

    public static Pooler start(PoolerSettings settings, ConfigHolder config) throws InterruptedException {
        NodeCounters counters = new NodeCounters();
        Transport transport = Transport.preferred();
        EventLoopGroup boss = transport.eventLoops(1, "pgfleet-accept");
        // Netty's own default is two per core; a pooler's loops never block, so one per core.
        int loops = settings.eventLoopThreads() > 0 ? settings.eventLoopThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup workers = transport.eventLoops(loops, "pgfleet-io");
        // PBKDF2 for SCRAM runs here, never on an event loop.
        ExecutorService crypto = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("pgfleet-crypto", true));
        ServerConnector connector = new ServerConnector(new ScramKeyCache(crypto),
                settings.serverConnectTimeoutMillis(), settings.maxMessageSize(), () -> config.current().pooler().serverTls());
        PoolManager pools = new PoolManager(connector, workers, counters);
        config.onReplace(pools::configChanged);
        ConsoleServices console = new ConsoleServices(new NodeActions(), new ConsoleSessions(), new StatsPeriod(pools::views));
        PoolerContext context = new PoolerContext(settings, config, pools, new ClientRegistry(settings.nodeSlot()), counters,
                console);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ClientChannelInitializer(context));
            if (settings.soReuseport()) {
                // Lets a new node process bind the same port and take over while this one drains.
                transport.reusePort(bootstrap);
            }
            InetSocketAddress address = "*".equals(settings.listenAddress())
                    ? new InetSocketAddress(settings.listenPort())
                    : new InetSocketAddress(settings.listenAddress(), settings.listenPort());
            Channel listener = bootstrap.bind(address).sync().channel();
            pools.start();
            console.statsPeriod().start(workers, StatsPeriod.DEFAULT);
            LOG.infof("pooler listening on %s (%s transport, %d event loops)", listener.localAddress(), transport, loops);
            Pooler pooler = new Pooler(boss, workers, crypto, listener, context);
            console.actions().shutdownWith(pooler::shutdownFromConsole);
            return pooler;
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            crypto.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public NodeCounters counters() {
        return context.counters();
    }

    public PoolManager pools() {
        return context.pools();
    }

    /** The logged-in clients (SHOW CLIENTS, per-application counts). */
    public io.pgfleet.dataplane.client.ClientRegistry clients() {
        return context.clients();
    }

    /** The fleet's other nodes by slot, so that cancel requests for their clients can be passed on. */
    public void peers(Map<Integer, InetSocketAddress> peersBySlot) {
        context.clients().peers(peersBySlot);
    }

    /** New transactions wait; running ones finish (PgBouncer's PAUSE). */
    public void pause() {
        context.pools().pause();
    }

    public void resume() {
        context.pools().resume();
    }

    /**
     * What the admin console's RELOAD runs (off the event loops): true when the config
     * loaded. A standalone node re-reads its pgbouncer.ini; without one RELOAD says the
     * config comes from elsewhere.
     */
    public void reloadWith(java.util.function.BooleanSupplier reload) {
        context.console().actions().reloadWith(reload);
    }

    /** Runs once the admin console's SHUTDOWN has stopped the pooler: the program exits its process. */
    private volatile boolean listening = true;

    public void onConsoleShutdown(Runnable action) {
        afterConsoleShutdown = action;
    }

    /**
     * The admin console's SHUTDOWN, on a thread of its own (the console's loop is one of the
     * loops it stops). Stops accepting at once; WAIT_FOR_CLIENTS then waits until every
     * client of a pool has left (console connections do not count), WAIT_FOR_SERVERS pauses
     * and waits until every server is released; then everything closes.
     */
    private java.util.concurrent.CompletableFuture<Void> shutdownFromConsole(NodeActions.Shutdown mode) {
        java.util.concurrent.CompletableFuture<Void> notAccepting = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().name("pgfleet-console-shutdown").daemon().start(() -> {
            listening = false;
            listener.close().syncUninterruptibly();
            notAccepting.complete(null);
            LOG.infof("admin console SHUTDOWN %s: no longer accepting clients", mode);
            switch (mode) {
                case WAIT_FOR_CLIENTS -> waitUntil(() -> context.clients().size() == 0);
                case WAIT_FOR_SERVERS -> {
                    context.pools().pause();
                    waitUntil(() -> context.pools().serversOf(d -> true) == 0);
                }
                case IMMEDIATE -> context.pools().drain();
            }
            close();
            Runnable after = afterConsoleShutdown;
            if (after != null) {
                after.run();
            }
        });
        return notAccepting;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether the listener still takes new clients: false once any SHUTDOWN, drain or close began. */
    public boolean listening() {
        return listening && !closed.get();
    }

    /** Whether the pooler has stopped (close, drain or the console's SHUTDOWN). */
    public boolean closed() {
        return closed.get();
    }

    /**
     * Graceful stop: no new clients; clients outside a transaction are told the node is
     * shutting down and closed; the others when their transaction ends; whatever is left
     * at the deadline is closed. Returns true when every client left before the deadline.
     */
    public boolean drain(Duration deadline) {
        if (closed.get()) {
            return true; // stopped already (the admin console's SHUTDOWN)
        }
        listener.close().syncUninterruptibly();
        context.pools().drain();
        context.clients().drainAll();
        long end = System.nanoTime() + deadline.toNanos();
        // Also wait for connections still logging in: they were accepted before the listener
        // closed, and finish with 57P01 once they log in (closing them now would reset them).
        while ((context.clients().size() > 0 || context.counters().clientConnections() > 0) && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean clean = context.clients().size() == 0 && context.counters().clientConnections() == 0;
        LOG.infof("drain finished: %s", clean ? "every client left"
                : context.counters().clientConnections() + " client connection(s) closed at the deadline");
        close();
        return clean;
    }

    /** Stops accepting, closes every connection, and waits for the event loops to end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.close().syncUninterruptibly();
        context.pools().stop();
        context.console().statsPeriod().stop();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        cryptoExecutor.shutdownNow();
    }
}
