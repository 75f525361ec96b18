package io.pgfleet.dataplane;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pgfleet.dataplane.auth.ScramKeyCache;
import io.pgfleet.dataplane.client.CancelRegistry;
import io.pgfleet.dataplane.client.ClientChannelInitializer;
import io.pgfleet.dataplane.client.PoolerContext;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.server.ServerConnector;
import io.pgfleet.dataplane.stats.NodeCounters;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One pooler node's listening socket and event loops. Plain Java: start it from a test, a
 * main method or the Quarkus shell alike.
 */
public final class Pooler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Pooler.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ExecutorService cryptoExecutor;
    private final Channel listener;
    private final NodeCounters counters;

    private Pooler(EventLoopGroup bossGroup, EventLoopGroup workerGroup, ExecutorService cryptoExecutor,
                   Channel listener, NodeCounters counters) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.cryptoExecutor = cryptoExecutor;
        this.listener = listener;
        this.counters = counters;
    }

    public static Pooler start(PoolerSettings settings, ConfigHolder config) throws InterruptedException {
        NodeCounters counters = new NodeCounters();
        EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("pgfleet-accept"));
        EventLoopGroup workers = new NioEventLoopGroup(settings.eventLoopThreads(), new DefaultThreadFactory("pgfleet-io"));
        // PBKDF2 for SCRAM runs here, never on an event loop.
        ExecutorService crypto = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("pgfleet-crypto", true));
        ServerConnector connector = new ServerConnector(new ScramKeyCache(crypto),
                settings.serverConnectTimeoutMillis(), settings.maxMessageSize(), () -> config.current().pooler().serverTls());
        PoolerContext context = new PoolerContext(settings, config, connector, new CancelRegistry(), counters);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ClientChannelInitializer(context));
            InetSocketAddress address = "*".equals(settings.listenAddress())
                    ? new InetSocketAddress(settings.listenPort())
                    : new InetSocketAddress(settings.listenAddress(), settings.listenPort());
            Channel listener = bootstrap.bind(address).sync().channel();
            LOG.infof("pooler listening on %s", listener.localAddress());
            return new Pooler(boss, workers, crypto, listener, counters);
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
        return counters;
    }

    /** Stops accepting, closes every connection, and waits for the event loops to end. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        cryptoExecutor.shutdownNow();
    }
}
