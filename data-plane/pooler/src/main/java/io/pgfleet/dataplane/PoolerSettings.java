package io.pgfleet.dataplane;

/**
 * Process-level settings of a node, fixed at start (unlike {@link io.pgfleet.dataplane.config.NodeConfig},
 * which the control plane or a reload replaces).
 *
 * @param listenAddress      address to accept clients on (PgBouncer's listen_addr; "*" = all)
 * @param listenPort         port to accept clients on; 0 picks a free one (tests)
 * @param eventLoopThreads   0 = one per core
 * @param maxMessageSize     largest protocol message accepted from a client or server, in bytes
 * @param serverConnectTimeoutMillis how long to wait for a server's TCP connect
 */
public record PoolerSettings(String listenAddress, int listenPort, int eventLoopThreads, int maxMessageSize,
                             int serverConnectTimeoutMillis) {
    /** Large enough for any COPY row or bind of a big bytea; PostgreSQL's own limit is 1 GB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

    public static PoolerSettings defaults(String listenAddress, int listenPort) {
        return new PoolerSettings(listenAddress, listenPort, 0, DEFAULT_MAX_MESSAGE_SIZE, 15_000);
    }
}
