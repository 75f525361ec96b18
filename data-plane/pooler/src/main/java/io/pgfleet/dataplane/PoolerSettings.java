package io.pgfleet.dataplane;

/**
 * Process-level settings of a node, fixed at start (unlike {@link io.pgfleet.dataplane.config.NodeConfig},
 * which the control plane or a reload replaces).
 *
 * @param listenAddress      address to accept clients on (PgBouncer's listen_addr; "*" = all)
 * @param listenPort         port to accept clients on; 0 picks a free one (tests)
 * @param eventLoopThreads   0 = one per core
 * @param maxMessageSize     largest protocol message accepted from a client or server, in bytes (max_packet_size)
 * @param serverConnectTimeoutMillis how long to wait for a server's TCP connect
 * @param soReuseport        bind with SO_REUSEPORT so a new node process can take the port over (so_reuseport)
 * @param nodeSlot           this node's number in its fleet (0-4095), carried in every cancel key so that
 *                           a cancel reaching another node can be forwarded here
 */
public record PoolerSettings(String listenAddress, int listenPort, int eventLoopThreads, int maxMessageSize,
                             int serverConnectTimeoutMillis, boolean soReuseport, int nodeSlot) {
    /** Large enough for any COPY row or bind of a big bytea; PostgreSQL's own limit is 1 GB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
    public static final int MAX_NODE_SLOT = 4095;

    public PoolerSettings {
        if (nodeSlot < 0 || nodeSlot > MAX_NODE_SLOT) {
            throw new IllegalArgumentException("node slot must be between 0 and " + MAX_NODE_SLOT);
        }
    }

    public static PoolerSettings defaults(String listenAddress, int listenPort) {
        return new PoolerSettings(listenAddress, listenPort, 0, DEFAULT_MAX_MESSAGE_SIZE, 15_000, false, 0);
    }

    public PoolerSettings withEventLoopThreads(int threads) {
        return new PoolerSettings(listenAddress, listenPort, threads, maxMessageSize, serverConnectTimeoutMillis, soReuseport, nodeSlot);
    }

    public PoolerSettings withSoReuseport(boolean reuseport) {
        return new PoolerSettings(listenAddress, listenPort, eventLoopThreads, maxMessageSize, serverConnectTimeoutMillis, reuseport, nodeSlot);
    }

    public PoolerSettings withNodeSlot(int slot) {
        return new PoolerSettings(listenAddress, listenPort, eventLoopThreads, maxMessageSize, serverConnectTimeoutMillis, soReuseport, slot);
    }

    public PoolerSettings withMaxMessageSize(int size) {
        return new PoolerSettings(listenAddress, listenPort, eventLoopThreads, size, serverConnectTimeoutMillis, soReuseport, nodeSlot);
    }
}
