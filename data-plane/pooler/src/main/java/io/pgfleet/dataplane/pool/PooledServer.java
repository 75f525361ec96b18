package io.pgfleet.dataplane.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgfleet.dataplane.protocol.CStrings;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.server.ServerConnection;
import io.pgfleet.dataplane.session.ServerStatements;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A logged-in server connection owned by a pool. While a client holds it, whatever the
 * server sends goes to that client, batched per socket read and handed to the client's
 * event loop; while the node runs a query of its own, an {@link InternalQuery} consumes it.
 */
public final class PooledServer {
    private static final Logger LOG = Logger.getLogger(PooledServer.class);

    enum State { ACTIVE, IDLE, CLOSED }

    final Pool pool;
    final long createdNanos = System.nanoTime();
    private final Channel channel;
    private final int processId;
    private final int secretKey;
    /** Session parameters as the server has them now: reported ones, and ones set in the session. */
    private final Map<String, String> parameters;
    /** Parameters set at session level (by the node for a client, or by a client): reset for a client that did not ask for them. */
    private final Set<String> sessionSet = new HashSet<>();
    /** Parameters this server reports with ParameterStatus: those it sent at login. */
    private final Set<String> reported;
    /** The node's prepared statements this server has; made on first use. */
    private ServerStatements statements;

    // Guarded by the PoolManager's lock.
    State state = State.ACTIVE;
    long idleSinceNanos = createdNanos;
    int cancelsInFlight;
    boolean releaseAfterCancel;
    /** The pool's generation when this server logged in; an older one means its target changed. */
    final int generation;

    private volatile PoolClient owner;
    private InternalQuery internal; // only touched on this server's loop
    private List<ByteBuf> batch = new ArrayList<>(4);

    PooledServer(Pool pool, ServerConnection connection, Map<String, String> loginParameters, int generation) {
        this.pool = pool;
        this.generation = generation;
        this.channel = connection.channel();
        this.processId = connection.processId();
        this.secretKey = connection.secretKey();
        this.parameters = new HashMap<>(loginParameters);
        this.parameters.putAll(connection.parameters());
        this.reported = Set.copyOf(connection.parameters().keySet());
        channel.pipeline().addLast("pool", new Handler());
    }

    public Channel channel() {
        return channel;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Whether the connection to the server is encrypted. */
    public boolean encrypted() {
        return io.pgfleet.dataplane.tls.TlsConnections.isEncrypted(channel);
    }

    /** Statements the node prepared on this server (read from another thread: a recent value). */
    int preparedCount() {
        ServerStatements s = statements;
        return s == null ? 0 : s.size();
    }

    public int processId() {
        return processId;
    }

    public int secretKey() {
        return secretKey;
    }

    public Map<String, String> parameters() {
        return parameters;
    }

    /** Whether the server tells of changes to this parameter (ParameterStatus). */
    public boolean reports(String name) {
        return reported.contains(name);
    }

    public Set<String> sessionSet() {
        return sessionSet;
    }

    /** The node's prepared statements this server has (max_prepared_statements of its pool). */
    public ServerStatements statements() {
        if (statements == null) {
            statements = new ServerStatements(pool.settings.maxPreparedStatements());
        }
        return statements;
    }

    void owner(PoolClient client) {
        owner = client;
    }

    PoolClient owner() {
        return owner;
    }

    /** Records a ParameterStatus message the server sent. */
    public void recordParameterStatus(ByteBuf frame) {
        ByteBuf body = frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
        String name = CStrings.read(body, "invalid ParameterStatus");
        String value = CStrings.read(body, "invalid ParameterStatus");
        parameters.put(name, value);
    }

    /**
     * A command that drops session state completed on the server (the client's or the
     * node's): DISCARD ALL and RESET ALL put every parameter back at its default, which
     * the node cannot see for unreported ones, so it forgets them and the next client's
     * are set again; DISCARD ALL and DEALLOCATE ALL drop every prepared statement.
     */
    public void recordCommandTag(ByteBuf frame) {
        int length = frame.readableBytes() - 6;
        if (length < 9 || length > 14) {
            return; // only "DISCARD ALL", "RESET ALL" and "DEALLOCATE ALL" matter; skip the rest cheaply
        }
        String tag = frame.toString(frame.readerIndex() + 5, length, StandardCharsets.US_ASCII);
        if (tag.equals("DISCARD ALL") || tag.equals("RESET ALL")) {
            parameters.keySet().removeIf(name -> !reports(name));
            sessionSet.clear();
        }
        if ((tag.equals("DISCARD ALL") || tag.equals("DEALLOCATE ALL")) && statements != null) {
            statements.clear();
        }
    }

    /** Hands one message to the client holding the server, or drops it when none does. */
    void passToOwner(ByteBuf frame) {
        List<ByteBuf> frames = new ArrayList<>(1);
        frames.add(frame);
        deliver(frames);
    }

    /** Hands messages to the client holding the server, on the client's loop; drops them when none does. */
    private void deliver(List<ByteBuf> frames) {
        PoolClient client = owner;
        if (client == null) {
            // Nobody holds the server: an asynchronous notice or a late message. Nothing to do with it.
            LOG.debugf("%s: dropping %d unsolicited message(s)", this, frames.size());
            frames.forEach(ByteBuf::release);
        } else if (client.eventLoop().inEventLoop()) {
            client.serverFrames(this, frames);
        } else {
            client.eventLoop().execute(() -> client.serverFrames(this, frames));
        }
    }

    /** Runs a query for the node on this server's loop; {@code done} gets null or the error. */
    void runQuery(String sql, Consumer<String> done) {
        runQuery(sql, null, done);
    }

    /** Runs a query for the node, handing each row to {@code rows}, on this server's loop. */
    public void runQuery(String sql, Consumer<List<String>> rows, Consumer<String> done) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> runQuery(sql, rows, done));
            return;
        }
        if (!channel.isActive()) {
            done.accept("server connection lost");
            return;
        }
        internal = new InternalQuery(this, rows, done);
        ByteBuf query = channel.alloc().buffer(6 + sql.length() * 3);
        query.writeByte(FrontendMessages.QUERY).writeInt(0);
        query.writeCharSequence(sql, StandardCharsets.UTF_8);
        query.writeByte(0);
        query.setInt(1, query.writerIndex() - 1);
        channel.writeAndFlush(query, channel.voidPromise());
    }

    /** Says goodbye to the server and closes; the pool learns of it from channelInactive. */
    void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(FrontendMessages.terminate(channel.alloc())).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "server " + pool.key + " pid " + processId;
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            InternalQuery query = internal;
            if (query != null) {
                boolean complete;
                try {
                    complete = query.onFrame(frame);
                } finally {
                    frame.release();
                }
                if (complete) {
                    // Cleared before finishing: finishing may start the next internal query.
                    internal = null;
                    query.finish();
                }
                return;
            }
            batch.add(frame);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (batch.isEmpty()) {
                return;
            }
            List<ByteBuf> frames = batch;
            batch = new ArrayList<>(4);
            deliver(frames);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            batch.forEach(ByteBuf::release);
            batch.clear();
            if (internal != null) {
                InternalQuery query = internal;
                internal = null;
                query.connectionLost();
            }
            pool.manager.serverClosed(PooledServer.this);
            PoolClient client = owner;
            if (client != null) {
                client.eventLoop().execute(() -> client.serverLost(PooledServer.this));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debugf("%s: %s", PooledServer.this, cause.toString());
            ctx.close();
        }
    }
}
