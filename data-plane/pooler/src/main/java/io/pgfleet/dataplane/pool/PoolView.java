package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.stats.PoolStats;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One pool as the admin console shows it: counts and its server connections, copied under
 * the {@link PoolManager}'s lock so that the numbers of one pool agree with each other.
 *
 * @param clients          logged-in clients of the pool (waiting ones included)
 * @param waiting          clients in line for a server
 * @param maxWaitNanos     how long the first client in line has waited; 0 when none waits
 * @param active           servers linked to a client (or being prepared for one)
 * @param beingCanceled    active servers waiting for a cancel request to land before they go back
 * @param idle             servers ready for a client
 * @param connecting       servers logging in
 * @param serverLifetimeNanos server_lifetime in effect for the pool; 0 = off
 * @param poolSize         servers the pool may open: pool_size plus reserve_pool_size (0 = no limit)
 * @param pinnedClients    clients holding their server for session state
 * @param totals           SHOW STATS counters since the pool was made
 * @param stats            the pool's live counters and latency histograms
 */
public record PoolView(PoolKey key, DatabaseTarget target, PoolMode poolMode, int clients, int waiting,
                       long maxWaitNanos, int active, int beingCanceled, int idle, int connecting,
                       long serverLifetimeNanos, int poolSize, int pinnedClients, PoolStats.Totals totals,
                       PoolStats stats, List<ServerView> servers) {
    public PoolView {
        servers = List.copyOf(servers);
    }

    /**
     * One server connection. {@code owner} is the client it serves now (null when idle).
     *
     * @param state       PgBouncer's word: active, idle, active_cancel or being_canceled
     * @param closeNeeded the server's target changed or its lifetime is up: it closes once released
     */
    public record ServerView(Object identity, String user, String database, String state, InetSocketAddress remote,
                             InetSocketAddress local, long connectedNanos, long lastUsedNanos, boolean closeNeeded,
                             int processId, boolean tls, PoolClient owner, int preparedStatements) {
    }
}
