package io.pgfleet.dataplane.pool;

import io.netty.channel.EventLoop;

import java.util.Map;

/** What a pool needs from a client waiting for a server connection. */
public interface PoolClient {
    /** The loop the client runs on; the pool hands servers over there. */
    EventLoop eventLoop();

    /**
     * Session parameters the client expects on any server it gets (client_encoding,
     * TimeZone, application_name, ...). Read while the client waits, when it cannot change.
     */
    Map<String, String> wantedParameters();

    /** A server is ready for this client. Called on the client's loop. */
    void serverReady(PooledServer server);

    /** No server will come; the client gets this error. Called on the client's loop. */
    void serverUnavailable(String sqlState, String message);

    /**
     * Messages the linked server sent, in order, ownership passing to the client. Called on
     * the client's loop; {@code server} may no longer be the client's (then it drops them).
     */
    void serverFrames(PooledServer server, java.util.List<io.netty.buffer.ByteBuf> frames);

    /** The linked server's connection closed. Called on the client's loop. */
    void serverLost(PooledServer server);
}
