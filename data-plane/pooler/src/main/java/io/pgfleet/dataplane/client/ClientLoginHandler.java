package io.pgfleet.dataplane.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgfleet.dataplane.auth.ClientAuthMethod;
import io.pgfleet.dataplane.auth.Md5Password;
import io.pgfleet.dataplane.auth.ScramServerExchange;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.console.AdminConsole;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.dataplane.pool.Pool;
import io.pgfleet.dataplane.pool.SessionParameters;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.CStrings;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.protocol.MessageFrameDecoder;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.protocol.StartupPacket;
import io.pgfleet.dataplane.server.ServerLogin;
import io.pgfleet.dataplane.tls.ClientTls;
import io.pgfleet.dataplane.tls.TlsConnections;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * A client's life up to its first ReadyForQuery: SSL negotiation (GSSENC is declined),
 * cancel requests, the StartupMessage, client authentication. Then it hands the
 * connection to a {@link ClientSession} and removes itself.
 */
final class ClientLoginHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ClientLoginHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] DECLINE = {'N'};
    private static final byte[] ACCEPT = {'S'};

    private enum State { AWAIT_STARTUP, AWAIT_PASSWORD, AWAIT_SASL_INITIAL, AWAIT_SASL_RESPONSE, CONNECTING, DONE }

    private final PoolerContext pooler;
    private final ClientTls tls;
    private State state = State.AWAIT_STARTUP;
    private StartupPacket.Startup startup;
    private NodeConfig config;
    private DatabaseTarget target;
    private UserEntry user;
    private ClientAuthMethod method;
    private byte[] md5Salt;
    private ScramServerExchange scram;
    private ServerLogin.ScramKeys passthroughKeys;
    private ScheduledFuture<?> loginTimeout;
    /** The client logs in to the admin console (database pgbouncer), not to a pool. */
    private boolean console;

    ClientLoginHandler(PoolerContext pooler, ClientTls tls) {
        this.pooler = pooler;
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof StartupPacket packet) {
                onStartupPacket(ctx, packet);
            } else if (msg instanceof ByteBuf frame) {
                onFrame(ctx, frame);
            }
        } catch (PgProtocolException e) {
            fatal(ctx, e.sqlState(), e.getMessage());
        } finally {
            if (msg instanceof ByteBuf frame) {
                frame.release();
            }
        }
    }

    private void onStartupPacket(ChannelHandlerContext ctx, StartupPacket packet) {
        if (state != State.AWAIT_STARTUP) {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "unexpected startup packet");
        }
        switch (packet) {
            case StartupPacket.SslRequest ignored -> onSslRequest(ctx);
            case StartupPacket.GssEncRequest ignored -> ctx.writeAndFlush(Unpooled.wrappedBuffer(DECLINE));
            case StartupPacket.CancelRequest cancel -> {
                onCancelRequest(ctx, cancel);
                state = State.DONE;
                ctx.close();
            }
            case StartupPacket.Startup s -> onStartup(ctx, s);
        }
    }

    private void onSslRequest(ChannelHandlerContext ctx) {
        if (TlsConnections.isEncrypted(ctx.channel())) {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "SSLRequest on an encrypted connection");
        }
        SslHandler ssl = tls.newHandler(ctx.channel(), pooler.config().current().pooler().clientTls());
        if (ssl == null) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(DECLINE));
            return;
        }
        // 'S' is the last plaintext byte; the TLS layer goes in front of everything, and the
        // startup decoder, which has nothing buffered (it refuses bytes after an SSLRequest),
        // reads the StartupMessage that arrives through it.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ACCEPT));
        ctx.pipeline().addFirst("tls", ssl);
    }

    private void onStartup(ChannelHandlerContext ctx, StartupPacket.Startup s) {
        startup = s;
        if (s.user() == null || s.user().isEmpty()) {
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no PostgreSQL user name specified in startup packet");
        }
        if (s.parameters().containsKey("replication")) {
            throw new PgProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported through the pooler");
        }
        negotiateProtocolVersion(ctx, s);
        if (pooler.pools().draining()) {
            throw new PgProtocolException(SqlState.ADMIN_SHUTDOWN, "the pooler is shutting down");
        }
        config = pooler.config().current();
        int maxClients = config.pooler().maxClientConn();
        if (maxClients > 0 && pooler.counters().clientConnections() > maxClients) {
            throw new PgProtocolException(SqlState.TOO_MANY_CONNECTIONS,
                    "no more connections allowed (max_client_conn=" + maxClients + ")");
        }
        boolean encrypted = TlsConnections.isEncrypted(ctx.channel());
        if (ClientTls.requiresTls(config.pooler().clientTls()) && !encrypted) {
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "SSL required");
        }
        try {
            method = ClientAuthMethod.select(config, encrypted, s.database(), s.user(), ctx.channel().remoteAddress());
        } catch (PgProtocolException e) {
            pooler.counters().loginFailed();
            LOG.infof("client %s: %s", ctx.channel().remoteAddress(), e.getMessage());
            throw e;
        }
        if (method == ClientAuthMethod.CLEARTEXT_PASSWORD && !encrypted && !config.pooler().allowPlainWithoutTls()) {
            // Refused before asking, so the client never sends its password in the clear.
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "cleartext password authentication requires an SSL connection");
        }
        console = AdminConsole.DATABASE.equals(s.database());
        target = console ? null : config.database(s.database());
        if (target == null && !console) {
            throw new PgProtocolException(SqlState.INVALID_CATALOG_NAME, "database \"" + s.database() + "\" does not exist");
        }
        user = config.user(s.user());
        // From here on the client sends typed messages.
        ctx.pipeline().addAfter("startup", "frames", new MessageFrameDecoder(pooler.settings().maxMessageSize()));
        ctx.pipeline().remove("startup");
        if (method == ClientAuthMethod.MD5 && user != null && user.scramVerifier() != null
                && user.md5Hash() == null && user.password() == null) {
            // As PostgreSQL and PgBouncer do: an md5 method with only a SCRAM secret runs SCRAM.
            method = ClientAuthMethod.SCRAM_SHA_256;
        }
        switch (method) {
            case TRUST -> startSession(ctx);
            case CERT -> checkCertificate(ctx);
            case CLEARTEXT_PASSWORD -> {
                state = State.AWAIT_PASSWORD;
                ctx.writeAndFlush(BackendMessages.authenticationCleartextPassword(ctx.alloc()));
            }
            case MD5 -> {
                state = State.AWAIT_PASSWORD;
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                ctx.writeAndFlush(BackendMessages.authenticationMd5Password(ctx.alloc(), md5Salt));
            }
            case SCRAM_SHA_256 -> {
                state = State.AWAIT_SASL_INITIAL;
                scram = new ScramServerExchange(user == null ? null : user.scramVerifier(), s.user());
                ctx.writeAndFlush(BackendMessages.authenticationSasl(ctx.alloc(), "SCRAM-SHA-256"));
            }
        }
    }

    private void onFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        if (type == FrontendMessages.TERMINATE) {
            state = State.DONE;
            ctx.close();
            return;
        }
        if (type != FrontendMessages.PASSWORD) {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "expected password response, got message type " + (char) type);
        }
        ByteBuf body = frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
        switch (state) {
            case AWAIT_PASSWORD -> checkPassword(ctx, CStrings.read(body, "invalid string in message"));
            case AWAIT_SASL_INITIAL -> {
                String mechanism = CStrings.read(body, "invalid string in message");
                if (!"SCRAM-SHA-256".equals(mechanism)) {
                    throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "client selected an invalid SASL authentication mechanism");
                }
                int length = body.readInt();
                if (length < 0 || length > body.readableBytes()) {
                    throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "malformed SASLInitialResponse");
                }
                String clientFirst = body.readCharSequence(length, StandardCharsets.UTF_8).toString();
                try {
                    String serverFirst = scram.serverFirstMessage(clientFirst);
                    state = State.AWAIT_SASL_RESPONSE;
                    ctx.writeAndFlush(BackendMessages.authenticationSaslContinue(ctx.alloc(), serverFirst));
                } catch (ScramServerExchange.ScramException e) {
                    throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, e.getMessage());
                }
            }
            case AWAIT_SASL_RESPONSE -> {
                String serverFinal;
                try {
                    serverFinal = scram.serverFinalMessage(body.toString(StandardCharsets.UTF_8));
                } catch (ScramServerExchange.ScramException e) {
                    throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, e.getMessage());
                }
                if (serverFinal == null || user == null) {
                    authenticationFailed(ctx);
                    return;
                }
                ctx.write(BackendMessages.authenticationSaslFinal(ctx.alloc(), serverFinal));
                ScramVerifier verifier = user.scramVerifier();
                passthroughKeys = new ServerLogin.ScramKeys(scram.recoveredClientKey(), verifier.serverKey(),
                        verifier.salt(), verifier.iterations());
                startSession(ctx);
            }
            default -> throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "unexpected password message");
        }
    }

    private void checkPassword(ChannelHandlerContext ctx, String response) {
        boolean ok = false;
        if (user != null) {
            if (method == ClientAuthMethod.MD5) {
                String stored = user.md5Hash() != null ? user.md5Hash()
                        : user.password() != null ? Md5Password.storedHash(user.name(), user.password()) : null;
                ok = stored != null && constantTimeEquals(Md5Password.saltedResponse(stored, md5Salt), response);
            } else if (user.password() != null) {
                ok = constantTimeEquals(user.password(), response);
            } else if (user.md5Hash() != null) {
                ok = constantTimeEquals(user.md5Hash(), Md5Password.storedHash(user.name(), response));
            }
        }
        if (!ok) {
            authenticationFailed(ctx);
            return;
        }
        startSession(ctx);
    }

    /**
     * The certificate was checked against client_tls_ca_file in the handshake; here its CN
     * must be the user name. There is no user map, as in PgBouncer.
     */
    private void checkCertificate(ChannelHandlerContext ctx) {
        String commonName = TlsConnections.peerCommonName(ctx.channel());
        if (commonName == null) {
            pooler.counters().loginFailed();
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "connection requires a valid client certificate");
        }
        if (!commonName.equals(startup.user())) {
            pooler.counters().loginFailed();
            LOG.infof("client %s: certificate for \"%s\" used to log in as \"%s\"", ctx.channel().remoteAddress(),
                    commonName, startup.user());
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "certificate authentication failed for user \"" + startup.user() + "\"");
        }
        startSession(ctx);
    }

    /** The same words whether the user is unknown or the password wrong, as PostgreSQL does. */
    private void authenticationFailed(ChannelHandlerContext ctx) {
        pooler.counters().loginFailed();
        LOG.infof("client %s: password authentication failed for user \"%s\"", ctx.channel().remoteAddress(), startup.user());
        fatal(ctx, SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + startup.user() + "\"");
    }

    /**
     * A client asking for a newer 3.x minor version, or sending protocol options
     * ({@code _pq_.*}), is told what we speak (3.0, no options) and goes on with 3.0, as
     * PostgreSQL does; messages of 3.0 are all the node forwards.
     */
    private static void negotiateProtocolVersion(ChannelHandlerContext ctx, StartupPacket.Startup s) {
        java.util.List<String> options = s.parameters().keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if ((s.protocolVersion() & 0xFFFF) > 0 || !options.isEmpty()) {
            ctx.write(BackendMessages.negotiateProtocolVersion(ctx.alloc(), 0, options));
        }
    }

    /** Authenticated: join the pool (client limits apply here) and hand the connection to a {@link ClientSession}. */
    private void startSession(ChannelHandlerContext ctx) {
        state = State.DONE;
        cancelLoginTimeout();
        String userName = startup.user();
        if (console) {
            startConsole(ctx, userName);
            return;
        }
        Pool pool = pooler.pools().registerClient(config, target, user, userName);
        if (passthroughKeys != null && target.serverUser() == null) {
            pooler.pools().offerPassthroughKeys(pool, passthroughKeys);
        }
        ClientSession session;
        try {
            session = new ClientSession(pooler, ctx.channel(), pool, userName, SessionParameters.fromStartup(startup.parameters()));
            ctx.pipeline().replace(this, "session", session);
        } catch (RuntimeException e) {
            pooler.pools().unregisterClient(pool);
            throw e;
        }
        session.begin();
    }

    /**
     * Authenticated to the virtual database pgbouncer: users in admin_users or stats_users
     * get the console; anyone else is refused after authentication, as PgBouncer does.
     */
    private void startConsole(ChannelHandlerContext ctx, String userName) {
        AdminConsole.Role role = AdminConsole.roleOf(config.pooler(), userName);
        if (role == null) {
            pooler.counters().loginFailed();
            LOG.infof("client %s: user \"%s\" is not in admin_users or stats_users", ctx.channel().remoteAddress(), userName);
            fatal(ctx, SqlState.PROTOCOL_VIOLATION, "not allowed"); // PgBouncer's words and SQLSTATE
            return;
        }
        AdminConsole session = new AdminConsole(pooler, ctx.channel(), userName, role);
        ctx.pipeline().replace(this, "console", session);
        session.begin();
    }

    /**
     * A CancelRequest: for one of our clients, cancel what it runs now; for a key another
     * node of the fleet issued, pass the request on to that node.
     */
    private void onCancelRequest(ChannelHandlerContext ctx, StartupPacket.CancelRequest cancel) {
        ClientSession session = pooler.clients().lookup(cancel.processId(), cancel.secretKey());
        if (session != null) {
            session.eventLoop().execute(session::cancel);
            return;
        }
        InetSocketAddress peer = pooler.clients().peerFor(cancel.processId());
        if (peer != null) {
            CancelForwarder.forward(ctx.channel().eventLoop(), peer, cancel.processId(), cancel.secretKey(), 0);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long timeout = pooler.config().current().pooler().clientLoginTimeout().toNanos();
        if (timeout > 0) {
            loginTimeout = ctx.executor().schedule(() -> {
                if (state != State.DONE) {
                    fatal(ctx, SqlState.PROTOCOL_VIOLATION, "client did not log in within client_login_timeout");
                }
            }, timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelLoginTimeout() {
        if (loginTimeout != null) {
            loginTimeout.cancel(false);
            loginTimeout = null;
        }
    }

    private void fatal(ChannelHandlerContext ctx, String sqlState, String message) {
        state = State.DONE;
        cancelLoginTimeout();
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(BackendMessages.errorResponse(ctx.alloc(), "FATAL", sqlState, message))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PgProtocolException pe) {
            fatal(ctx, pe.sqlState(), pe.getMessage());
        } else {
            LOG.debugf("client %s: %s", ctx.channel().remoteAddress(), root.toString());
            ctx.close();
        }
    }


    private static boolean constantTimeEquals(String expected, String actual) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), actual.getBytes(StandardCharsets.UTF_8));
    }
}
