package io.pgfleet.dataplane.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.dataplane.pool.Pool;
import io.pgfleet.dataplane.pool.PoolClient;
import io.pgfleet.dataplane.pool.PoolSettings;
import io.pgfleet.dataplane.pool.PooledServer;
import io.pgfleet.dataplane.pool.SessionParameters;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.CStrings;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.session.SessionInspection;
import io.pgfleet.dataplane.session.SessionSql;
import io.pgfleet.dataplane.tls.TlsConnections;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A logged-in client. Holds a server only while it needs one: for the whole session in
 * session mode, until the transaction ends (ReadyForQuery 'I' with no Sync or Query still
 * unanswered) in transaction mode, after every statement in statement mode. Messages pass
 * as the bytes that came; the session reads only their type bytes, ReadyForQuery's status
 * and ParameterStatus. Everything here runs on the client's event loop.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements PoolClient {
    private static final Logger LOG = Logger.getLogger(ClientSession.class);

    /** INSPECTING: the transaction ended and the node reads what it left in the session before the client hears so. */
    private enum State { IDLE, WAITING, LINKED, INSPECTING, CLOSED }

    private final PoolerContext pooler;
    private final Channel channel;
    private final Pool pool;
    private final String user;
    private final Map<String, String> wanted;
    /** What the client asked for at startup; a session inspection starts again from these. */
    private final Map<String, String> startup;
    private final PoolSettings settings;
    /** Transaction and statement mode: prepared statements and session state; null in session mode. */
    private final StatementTranslator translator;
    private ClientRegistry.CancelKey cancelKey;

    private State state = State.IDLE;
    private boolean welcomed;
    private PooledServer server;
    private List<ByteBuf> held;
    /** Queries, Syncs and function calls sent and not yet answered by ReadyForQuery. */
    private int unanswered;
    /** Extended-protocol messages sent since the last Sync: the server is in use until the Sync. */
    private boolean unsynced;
    private byte transactionStatus = 'I';
    private long waitingSince;
    private long busySince;
    private long transactionSince;
    /** When the current query and transaction went to the server (SHOW STATS times); 0 = none under way. */
    private long queryStartNanos;
    private long xactStartNanos;
    private long lastActivity = System.nanoTime();
    private final long connectedAtMillis = System.currentTimeMillis();
    private long lastActivityMillis = connectedAtMillis;
    private boolean closeWhenIdle;
    private NodeConfig configChecked;
    private boolean databaseGone;
    /** The server reported a parameter change the client made: look at the session when the transaction ends. */
    private boolean parametersChanged;
    /** The client's session holds state that cannot move (LISTEN, ...): it keeps its server. */
    private boolean pinned;
    /** The transaction's last ReadyForQuery, held while the node inspects the session. */
    private ByteBuf heldReady;

    ClientSession(PoolerContext pooler, Channel channel, Pool pool, String user, Map<String, String> wanted) {
        this.pooler = pooler;
        this.channel = channel;
        this.pool = pool;
        this.user = user;
        this.wanted = wanted;
        this.settings = pool.settings();
        this.startup = Map.copyOf(wanted);
        this.translator = settings.poolMode() == PoolMode.SESSION ? null
                : new StatementTranslator(channel, pool.statementRegistry(), pool.sessionStats(),
                settings.tracksPreparedStatements(), settings.sessionState(), () -> transactionStatus,
                this::answeredWithoutServer);
    }

    /** After authentication: welcome the client, now if the pool knows what to say, else once a server is ready. */
    void begin() {
        cancelKey = pooler.clients().register(this);
        if (pooler.pools().draining()) {
            // Logged in just as the node began to drain, after the drain reached every client.
            fatal(SqlState.ADMIN_SHUTDOWN, "the pooler is shutting down");
            return;
        }
        Map<String, String> welcome = pooler.pools().welcomeParameters(pool);
        if (welcome != null && settings.poolMode() != PoolMode.SESSION) {
            welcome(welcome);
        } else {
            requestServer();
        }
    }

    /** The client as SHOW CLIENTS shows it. On the client's loop. */
    ClientView view() {
        String word = switch (state) {
            case WAITING -> "waiting";
            case LINKED, INSPECTING -> "active";
            default -> "idle";
        };
        return new ClientView(this, user, pool.key().database(), word, (InetSocketAddress) channel.remoteAddress(),
                (InetSocketAddress) channel.localAddress(), connectedAtMillis, lastActivityMillis,
                state == State.WAITING ? System.nanoTime() - waitingSince : 0, state == State.CLOSED ? null : server,
                cancelKey == null ? 0 : cancelKey.processId(), TlsConnections.isEncrypted(channel),
                wanted.getOrDefault("application_name", ""), 0);
    }

    ClientRegistry.CancelKey cancelKey() {
        return cancelKey;
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public Map<String, String> wantedParameters() {
        return wanted;
    }

    // ---- client to server --------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state == State.CLOSED) {
            frame.release();
            return;
        }
        lastActivity = System.nanoTime();
        lastActivityMillis = System.currentTimeMillis();
        pool.stats().received(frame.readableBytes());
        byte type = frame.getByte(frame.readerIndex());
        if (type == FrontendMessages.TERMINATE) {
            frame.release();
            channel.close();
            return;
        }
        if (state == State.LINKED) {
            if (transactionEnded() && databaseRemoved()) {
                // A session (or a pinned client) starts a new transaction on a server of a
                // database the node no longer serves: end it as PgBouncer does for a removed
                // database, with the error a login to it would get.
                frame.release();
                fatal(SqlState.INVALID_CATALOG_NAME, "database \"" + pool.key().database() + "\" no longer exists on this node");
                return;
            }
            send(frame);
            return;
        }
        if (held == null) {
            held = new ArrayList<>(4);
        }
        held.add(frame);
        if (state == State.IDLE && translator == null) {
            requestServer();
        }
        // Transaction and statement mode ask for a server once the read is complete: the
        // node may answer what came without one (answerPrepareWithoutServer).
    }


    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.IDLE && held != null && !held.isEmpty() && !answerPrepareWithoutServer()) {
            requestServer();
        }
        if (state == State.LINKED) {
            server.channel().flush();
            if (mayRelease()) {
                releaseServer(); // the node answered everything itself (a DEALLOCATE of a client's statement)
            }
        }
        if (translator != null && translator.takeWroteToClient()) {
            channel.flush();
        }
    }

    /**
     * libpq's PQprepare outside a transaction: named Parse messages and a Sync, nothing
     * else. When a server of this node already accepted each statement, the node answers
     * itself (ParseComplete, ReadyForQuery) and prepares the statement on a server when
     * the client first uses it. No server is taken just to learn a statement, and a client
     * that prepares while its own thread's other connections hold every server (pgbench
     * -M prepared with more clients per thread than servers) is not blocked.
     */
    private boolean answerPrepareWithoutServer() {
        int last = held.size() - 1;
        if (transactionStatus != 'I' || last < 1 || held.get(last).getByte(held.get(last).readerIndex()) != 'S') {
            return false;
        }
        for (int i = 0; i < last; i++) {
            if (!translator.parseAnswerableWithoutServer(held.get(i))) {
                return false;
            }
        }
        List<ByteBuf> frames = held;
        held = null;
        for (int i = 0; i < last; i++) {
            translator.answerParseWithoutServer(frames.get(i));
        }
        frames.get(last).release();
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'), channel.voidPromise());
        return true;
    }

    private void send(ByteBuf frame) {
        if (state != State.LINKED) {
            frame.release();
            return;
        }
        byte type = frame.getByte(frame.readerIndex());
        switch (type) {
            case 'Q', 'F' -> unanswered++;
            case 'S' -> {
                unanswered++;
                unsynced = false;
            }
            // Flush asks for nothing new; COPY data belongs to the Query or Execute that started
            // the copy, which already counts. (After a simple Query's COPY no Sync would come.)
            case 'H', 'd', 'c', 'f' -> {
            }
            case 'P' -> {
                unsynced = true;
                pool.stats().clientParse();
            }
            case 'B' -> {
                unsynced = true;
                pool.stats().bind();
            }
            default -> unsynced = true;
        }
        if (busySince == 0) {
            busySince = System.nanoTime();
        }
        if (queryStartNanos == 0) {
            queryStartNanos = busySince;
        }
        if (xactStartNanos == 0 && transactionStatus == 'I') {
            xactStartNanos = queryStartNanos;
        }
        if (translator == null) {
            server.channel().write(frame, server.channel().voidPromise());
            return;
        }
        try {
            translator.toServer(frame);
        } catch (PgProtocolException e) {
            fatal(e.sqlState(), e.getMessage());
        }
    }

    /** A Query, Sync or FunctionCall the server sends no ReadyForQuery for: the node answered it, or the server ignored it. */
    private void answeredWithoutServer() {
        unanswered = Math.max(0, unanswered - 1);
        if (unanswered == 0) {
            busySince = 0;
            queryStartNanos = 0; // nothing went to the server: not a query of the pool's
            if (transactionStatus == 'I') {
                xactStartNanos = 0;
            }
        }
    }

    private void requestServer() {
        state = State.WAITING;
        waitingSince = System.nanoTime();
        pooler.pools().acquire(pool, this, pooler.config().current());
        if (state == State.WAITING) {
            // No server yet: hold further input until one comes, so memory per waiting
            // client stays bounded. (Not done when a server came at once: each toggle is
            // an epoll_ctl system call, twice per transaction.)
            channel.config().setAutoRead(false);
        }
    }

    // ---- the pool's answers ------------------------------------------------------------

    @Override
    public void serverReady(PooledServer ready) {
        if (state != State.WAITING || !channel.isActive()) {
            pooler.pools().release(ready, true, false);
            return;
        }
        state = State.LINKED;
        server = ready;
        pool.stats().serverAssigned((System.nanoTime() - waitingSince) / 1000);
        if (translator != null) {
            translator.linked(ready);
        }
        channel.config().setAutoRead(true);
        if (!welcomed) {
            welcome(ready.parameters());
        }
        if (held != null && !held.isEmpty()) {
            sendHeld();
        } else if (mayRelease()) {
            releaseServer();
        }
    }

    /**
     * Sends what the client sent while it had no server (or while the node inspected its
     * session), flushes both ways, and gives the server back if the node answered it all.
     */
    private void sendHeld() {
        List<ByteBuf> frames = held;
        held = null;
        frames.forEach(this::send);
        if (state == State.LINKED) {
            server.channel().flush();
            if (translator != null && translator.takeWroteToClient()) {
                channel.flush();
            }
            if (mayRelease()) {
                releaseServer();
            }
        }
    }

    @Override
    public void serverUnavailable(String sqlState, String message) {
        if (state == State.WAITING) {
            fatal(sqlState, message);
        }
    }

    // ---- server to client --------------------------------------------------------------

    @Override
    public void serverFrames(PooledServer from, List<ByteBuf> frames) {
        if (from != server || (state != State.LINKED && state != State.INSPECTING)) {
            frames.forEach(ByteBuf::release);
            return;
        }
        if (state == State.INSPECTING) {
            // Only a notification the server sent along with the inspection comes now.
            frames.forEach(frame -> channel.write(frame, channel.voidPromise()));
            channel.flush();
            return;
        }
        boolean statementModeViolation = false;
        for (ByteBuf received : frames) {
            ByteBuf frame = translator == null ? received : translator.toClient(received);
            if (frame == null) {
                continue; // the answer to the node's own message
            }
            byte type = frame.getByte(frame.readerIndex());
            if (type == BackendMessages.READY_FOR_QUERY) {
                unanswered = Math.max(0, unanswered - 1);
                byte status = frame.getByte(frame.readerIndex() + 5);
                countQuery(status);
                if (status != 'I' && transactionStatus == 'I') {
                    transactionSince = System.nanoTime();
                }
                transactionStatus = status;
                if (unanswered == 0) {
                    busySince = 0;
                }
                if (status != 'I' && settings.poolMode() == PoolMode.STATEMENT) {
                    statementModeViolation = true;
                    frame.release();
                    continue;
                }
                if (transactionEnded() && sessionMayHaveChanged()) {
                    heldReady = frame;
                    continue;
                }
            } else if (type == BackendMessages.PARAMETER_STATUS) {
                from.recordParameterStatus(frame);
                followParameter(frame);
                parametersChanged = true;
            } else if (type == BackendMessages.COMMAND_COMPLETE && translator != null) {
                from.recordCommandTag(frame); // a DEALLOCATE ALL inside a longer query drops the server's statements too
            }
            pool.stats().sent(frame.readableBytes());
            channel.write(frame, channel.voidPromise());
        }
        if (translator != null) {
            translator.answerInTurn();
        }
        if (statementModeViolation) {
            channel.flush();
            fatal(SqlState.ACTIVE_SQL_TRANSACTION,
                    "transaction blocks are not allowed in statement pooling mode (pool_mode=statement)");
            return;
        }
        if (heldReady != null) {
            channel.flush();
            inspectSession();
            return;
        }
        if (mayRelease()) {
            // Given back before the client sees its ReadyForQuery: by the time the client
            // (or anyone it talks to) sends the next query, the server is free again.
            releaseServer();
            channel.flush();
            return;
        }
        channel.flush();
        if (!channel.isWritable()) {
            // A slow client: stop reading from the server until this client drains.
            from.channel().config().setAutoRead(false);
        }
    }

    /** A ReadyForQuery ends a query, and a transaction when it says idle (PgBouncer's SHOW STATS definitions). */
    private void countQuery(byte status) {
        long now = System.nanoTime();
        if (queryStartNanos != 0) {
            pool.stats().queryDone((now - queryStartNanos) / 1000);
            queryStartNanos = unanswered > 0 ? now : 0; // a pipeline: the next query is already under way
        }
        if (status == 'I' && xactStartNanos != 0) {
            pool.stats().transactionDone((now - xactStartNanos) / 1000, wanted.getOrDefault("application_name", ""));
            xactStartNanos = unanswered > 0 ? now : 0;
        }
    }

    /** A SET by the client that the server reports follows the client to its next server. */
    private void followParameter(ByteBuf frame) {
        ByteBuf body = frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
        String name = CStrings.read(body, "invalid ParameterStatus");
        String value = CStrings.read(body, "invalid ParameterStatus");
        if (SessionParameters.followsClient(name)) {
            wanted.put(name, value);
        }
    }

    @Override
    public void serverLost(PooledServer lost) {
        if (lost == server && state == State.LINKED) {
            server = null;
            fatal(SqlState.CONNECTION_FAILURE, "server connection closed unexpectedly");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable() && server != null) {
            server.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Whether the client's database left the config; looked up only when the config changed. */
    private boolean databaseRemoved() {
        NodeConfig now = pooler.config().current();
        if (now != configChecked) {
            configChecked = now;
            databaseGone = now.database(pool.key().database()) == null;
        }
        return databaseGone;
    }

    /** Nothing in flight and outside a transaction. */
    private boolean transactionEnded() {
        return unanswered == 0 && !unsynced && transactionStatus == 'I' && (translator == null || translator.idle());
    }

    private boolean sessionMayHaveChanged() {
        return translator != null && ((translator.sessionFlags() & SessionSql.SESSION_CHANGE) != 0 || parametersChanged);
    }

    private boolean mayRelease() {
        return transactionEnded() && ((settings.poolMode() != PoolMode.SESSION && !pinned) || closeWhenIdle);
    }

    // ---- session state in transaction and statement mode ----------------------------------

    /**
     * The transaction ran something that may have changed the session: read what it left
     * before the client hears the transaction ended (so its next transaction, on any server,
     * starts with what it set), and pin the server to it while it holds state that cannot move.
     */
    private void inspectSession() {
        state = State.INSPECTING;
        channel.config().setAutoRead(false);
        PooledServer inspected = server;
        SessionInspection seen = new SessionInspection();
        inspected.runQuery(SessionInspection.QUERY, seen::row,
                error -> eventLoop().execute(() -> sessionInspected(inspected, seen, error)));
    }

    private void sessionInspected(PooledServer inspected, SessionInspection seen, String error) {
        ByteBuf ready = heldReady;
        heldReady = null;
        if (state != State.INSPECTING) {
            // The client left meanwhile; cleanup() left the server to us. What the inspection
            // found is on the server now: its settings are reset for the next client, and state
            // that pins goes with server_reset_query or with the server.
            ready.release();
            boolean holdsState = pinned || !seen.state().isEmpty();
            if (error == null) {
                // Recorded on the server, so the next checkout resets what this client set.
                SessionParameters.captured(seen.settings(), startup, new HashMap<>(), inspected);
            }
            pooler.pools().release(inspected, error == null && (!holdsState || settings.serverResetQuery() != null), true);
            return;
        }
        state = State.LINKED;
        channel.config().setAutoRead(true);
        translator.clearSessionFlags();
        parametersChanged = false;
        if (error != null) {
            // The session's state is unknown: nobody else may have this server.
            LOG.infof("client %s: could not inspect the session on %s, closing that server: %s", channel.remoteAddress(), inspected, error);
            server = null;
            translator.linked(null);
            state = State.IDLE;
            pooler.pools().release(inspected, false, false);
            setPinned(false, null);
        } else {
            SessionParameters.captured(seen.settings(), startup, wanted, inspected);
            setPinned(!seen.state().isEmpty(), seen.state());
        }
        channel.write(ready, channel.voidPromise());
        if (state == State.LINKED && mayRelease()) {
            releaseServer();
        }
        channel.flush();
        if (state != State.CLOSED && held != null && !held.isEmpty()) {
            if (state == State.LINKED) {
                sendHeld();
            } else if (state == State.IDLE) {
                requestServer();
            }
        }
    }

    private void setPinned(boolean pin, List<String> state) {
        if (pin && !pinned) {
            pool.sessionStats().pinned();
            if (settings.sessionState() == SessionStatePolicy.REFUSE) {
                LOG.infof("client %s of pool %s holds %s that the SQL scan did not catch (made inside a function?); "
                        + "its server connection stays with it", channel.remoteAddress(), pool.key(), state);
            } else {
                LOG.debugf("client %s of pool %s pinned to its server for %s", channel.remoteAddress(), pool.key(), state);
            }
        } else if (!pin && pinned) {
            pool.sessionStats().unpinned();
        }
        pinned = pin;
        translator.pinned(pin);
    }

    private void releaseServer() {
        PooledServer released = server;
        server = null;
        state = State.IDLE;
        if (translator != null) {
            translator.linked(null);
        }
        released.channel().config().setAutoRead(true);
        // A session ending (session mode, or a pinned client at drain) leaves state to reset.
        boolean sessionEnds = settings.poolMode() == PoolMode.SESSION || pinned;
        pooler.pools().release(released, !pinned || settings.serverResetQuery() != null,
                settings.serverResetQueryAlways() || sessionEnds);
        if (closeWhenIdle) {
            fatal(SqlState.ADMIN_SHUTDOWN, "the pooler is shutting down");
        }
    }

    private void welcome(Map<String, String> serverParameters) {
        welcomed = true;
        channel.write(BackendMessages.authenticationOk(channel.alloc()));
        serverParameters.forEach((name, value) ->
                channel.write(BackendMessages.parameterStatus(channel.alloc(), name, wanted.getOrDefault(name, value))));
        channel.write(BackendMessages.backendKeyData(channel.alloc(), cancelKey.processId(), cancelKey.secretKey()));
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'));
        LOG.debugf("client %s logged in as %s to pool %s", channel.remoteAddress(), user, pool.key());
    }

    // ---- cancel, timeouts, drain -------------------------------------------------------

    /** A CancelRequest with this client's key: cancel the query on the server it holds now, if any. */
    void cancel() {
        PooledServer target = server;
        if (state != State.LINKED || target == null || (unanswered == 0 && !unsynced)) {
            return;
        }
        if (pooler.pools().beginCancel(target, this)) {
            CancelForwarder.forward(eventLoop(), target.address(), target.processId(), target.secretKey(),
                    pooler.pools().cancelWaitTimeoutNanos(target))
                    .addListener(f -> pooler.pools().endCancel(target));
        }
    }

    void checkTimeouts(long now) {
        PoolSettings.ClientTimeouts t = settings.clientTimeouts();
        switch (state) {
            case WAITING -> {
                long limit = settings.queryWaitTimeoutNanos();
                if (limit > 0 && now - waitingSince >= limit && pooler.pools().withdraw(pool, this)) {
                    fatal(SqlState.TOO_MANY_CONNECTIONS, "no server connection became free within query_wait_timeout ("
                            + seconds(limit) + "); pool " + pool.key() + " is at pool_size " + settings.poolSize()
                            + (settings.maxDbConnections() > 0 ? " or max_db_connections " + settings.maxDbConnections() : "")
                            + (settings.maxUserConnections() > 0 ? " or max_user_connections " + settings.maxUserConnections() : ""));
                }
            }
            case LINKED -> {
                if (t.queryTimeoutNanos() > 0 && busySince != 0 && now - busySince >= t.queryTimeoutNanos()) {
                    cancel();
                    fatal(SqlState.QUERY_CANCELED, "query ran longer than query_timeout (" + seconds(t.queryTimeoutNanos()) + ")");
                } else if (t.transactionTimeoutNanos() > 0 && transactionStatus != 'I' && now - transactionSince >= t.transactionTimeoutNanos()) {
                    fatal(SqlState.TRANSACTION_TIMEOUT, "transaction ran longer than transaction_timeout ("
                            + seconds(t.transactionTimeoutNanos()) + ")");
                } else if (t.idleTransactionTimeoutNanos() > 0 && transactionStatus != 'I' && unanswered == 0
                        && now - lastActivity >= t.idleTransactionTimeoutNanos()) {
                    fatal(SqlState.IDLE_IN_TRANSACTION_SESSION_TIMEOUT, "idle in transaction longer than idle_transaction_timeout ("
                            + seconds(t.idleTransactionTimeoutNanos()) + ")");
                } else if (t.clientIdleTimeoutNanos() > 0 && transactionStatus == 'I' && unanswered == 0
                        && now - lastActivity >= t.clientIdleTimeoutNanos()) {
                    fatal(SqlState.IDLE_SESSION_TIMEOUT, "client idle longer than client_idle_timeout ("
                            + seconds(t.clientIdleTimeoutNanos()) + ")");
                }
            }
            case IDLE -> {
                if (t.clientIdleTimeoutNanos() > 0 && now - lastActivity >= t.clientIdleTimeoutNanos()) {
                    fatal(SqlState.IDLE_SESSION_TIMEOUT, "client idle longer than client_idle_timeout ("
                            + seconds(t.clientIdleTimeoutNanos()) + ")");
                }
            }
            case CLOSED -> {
            }
        }
    }

    /** Node shutdown: clients outside a transaction go now, the others when it ends. */
    void drain() {
        closeWhenIdle = true;
        if (state == State.IDLE || state == State.WAITING) {
            if (state == State.WAITING) {
                pooler.pools().withdraw(pool, this);
            }
            fatal(SqlState.ADMIN_SHUTDOWN, "the pooler is shutting down");
        } else if (state == State.LINKED && mayRelease()) {
            releaseServer();
        }
    }

    private static String seconds(long nanos) {
        return (nanos / 1_000_000) / 1000.0 + " s";
    }

    private void fatal(String sqlState, String message) {
        if (state == State.CLOSED) {
            return;
        }
        LOG.debugf("client %s: %s %s", channel.remoteAddress(), sqlState, message);
        if (channel.isActive()) {
            channel.writeAndFlush(BackendMessages.errorResponse(channel.alloc(), "FATAL", sqlState, message))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        cleanup();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cleanup();
        ctx.fireChannelInactive();
    }

    /** Gives back whatever the client held, once. */
    private void cleanup() {
        if (state == State.CLOSED) {
            return;
        }
        State was = state;
        state = State.CLOSED;
        if (was == State.WAITING) {
            pooler.pools().withdraw(pool, this);
        }
        if (server != null && was != State.INSPECTING) {
            PooledServer holding = server;
            server = null;
            boolean clean = transactionEnded() && (!pinned || settings.serverResetQuery() != null);
            holding.channel().config().setAutoRead(true);
            pooler.pools().release(holding, clean,
                    clean && (settings.poolMode() == PoolMode.SESSION || pinned || settings.serverResetQueryAlways()));
        }
        // INSPECTING: the inspection still runs on the server; sessionInspected() gives it back.
        if (translator != null) {
            translator.close();
            if (pinned) {
                pool.sessionStats().unpinned();
            }
        }
        if (held != null) {
            held.forEach(ByteBuf::release);
            held = null;
        }
        pooler.clients().unregister(this);
        pooler.pools().unregisterClient(pool);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PgProtocolException pe) {
            fatal(pe.sqlState(), pe.getMessage());
        } else {
            LOG.debugf("client %s: %s", channel.remoteAddress(), root.toString());
            ctx.close();
        }
    }
}
