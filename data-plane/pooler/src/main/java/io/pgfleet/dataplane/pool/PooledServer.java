package io.pgfleet.dataplane.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pgfleet.dataplane.protocol.CStrings;
import io.pgfleet.dataplane.protocol.FrontendMessages;
import io.pgfleet.dataplane.server.ServerConnection;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
    /** Session parameters as the server has them now: reported ones, and ones the node SET. */
    private final Map<String, String> parameters;

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
        channel.pipeline().addLast("pool", new Handler());
    }

    public Channel channel() {
        return channel;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.remoteAddress();
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
     * After server_reset_query: parameters the server does not report (extra_float_digits,
     * ...) are back at their defaults, which the node cannot see; forget them so the next
     * client's are SET again. Reported ones were updated by the reset's ParameterStatus.
     */
    void forgetUnreportedParameters() {
        parameters.keySet().removeIf(name -> !SessionParameters.isReported(name));
    }

    /** Runs a query for the node on this server's loop; {@code done} gets null or the error. */
    void runQuery(String sql, Consumer<String> done) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> runQuery(sql, done));
            return;
        }
        if (!channel.isActive()) {
            done.accept("server connection lost");
            return;
        }
        internal = new InternalQuery(this, done);
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
            PoolClient client = owner;
            if (client == null) {
                // Nobody holds the server: an asynchronous notice or a late message. Nothing to do with it.
                LOG.debugf("%s: dropping %d unsolicited message(s)", PooledServer.this, frames.size());
                frames.forEach(ByteBuf::release);
            } else if (client.eventLoop().inEventLoop()) {
                client.serverFrames(PooledServer.this, frames);
            } else {
                client.eventLoop().execute(() -> client.serverFrames(PooledServer.this, frames));
            }
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
