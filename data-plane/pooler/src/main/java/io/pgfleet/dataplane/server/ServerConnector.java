package io.pgfleet.dataplane.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgfleet.dataplane.auth.ScramKeyCache;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.dataplane.transport.Transport;
import io.pgfleet.dataplane.protocol.MessageFrameDecoder;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.tls.ServerTls;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens and logs in server connections. A server connection runs on the event loop of the
 * client it serves, so relaying between the two never crosses threads. Hosts of a target
 * are tried in order until one accepts the connection.
 */
public final class ServerConnector {
    private final ScramKeyCache keyCache;
    private final int connectTimeoutMillis;
    private final int maxMessageSize;
    private final ServerTls tls;

    /** Without TLS towards servers (server_tls_sslmode = disable). */
    public ServerConnector(ScramKeyCache keyCache, int connectTimeoutMillis, int maxMessageSize) {
        this(keyCache, connectTimeoutMillis, maxMessageSize, () -> TlsSettings.DISABLED);
    }

    /** @param serverTls read for every new server connection, so a config reload applies to the next one */
    public ServerConnector(ScramKeyCache keyCache, int connectTimeoutMillis, int maxMessageSize,
                           Supplier<TlsSettings> serverTls) {
        this.keyCache = keyCache;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.maxMessageSize = maxMessageSize;
        this.tls = new ServerTls(serverTls);
    }

    public Future<ServerConnection> connect(EventLoop eventLoop, DatabaseTarget target, ServerLogin login) {
        return connect(eventLoop, target, login, null);
    }

    /**
     * Connects and logs in, failing when both have not finished within {@code timeout}
     * (server_connect_timeout, which as in PgBouncer covers the login too: a server that
     * accepts and then never answers must not hold a pool slot and its clients forever).
     * Null or zero: only the node's TCP connect timeout applies.
     */
    public Future<ServerConnection> connect(EventLoop eventLoop, DatabaseTarget target, ServerLogin login, Duration timeout) {
        Promise<ServerConnection> result = eventLoop.newPromise();
        int tcpTimeoutMillis = connectTimeoutMillis;
        if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
            long millis = Math.max(1, timeout.toMillis());
            tcpTimeoutMillis = (int) Math.min(millis, Integer.MAX_VALUE);
            ScheduledFuture<?> deadline = eventLoop.schedule(() -> result.tryFailure(new ServerLoginException(
                    SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION, "could not connect to server: no login within server_connect_timeout ("
                    + millis / 1000.0 + " s)")), millis, TimeUnit.MILLISECONDS);
            result.addListener(f -> deadline.cancel(false));
        }
        tryNext(eventLoop, target, target.hosts().iterator(), login, result, null, tcpTimeoutMillis);
        return result;
    }

    private void tryNext(EventLoop eventLoop, DatabaseTarget target, Iterator<HostAndPort> hosts, ServerLogin login,
                         Promise<ServerConnection> result, Throwable lastError, int tcpTimeoutMillis) {
        if (result.isDone()) {
            return;
        }
        if (!hosts.hasNext()) {
            result.tryFailure(new ServerLoginException(SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION,
                    "could not connect to server" + (lastError == null ? "" : ": " + lastError.getMessage())));
            return;
        }
        HostAndPort host = hosts.next();
        Bootstrap bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(Transport.socketChannelFor(eventLoop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, tcpTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        tls.install(ch, target.serverTls(), host.host(), host.port()); // SSLRequest first, when the TLS mode asks for it
                        ch.pipeline().addLast("frames", new MessageFrameDecoder(maxMessageSize));
                        ch.pipeline().addLast("login", new ServerLoginHandler(login, keyCache, result));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(host.host(), host.port());
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                tryNext(eventLoop, target, hosts, login, result, f.cause(), tcpTimeoutMillis);
            }
        });
        // A login that failed or ran out of time leaves no half-open connection behind.
        result.addListener(f -> {
            if (!f.isSuccess()) {
                connecting.channel().close();
            }
        });
    }
}
