package io.pgfleet.dataplane.config;

import java.time.Duration;

/**
 * Pool settings a database ([databases] entry) or a user ([users] entry) sets for itself.
 * A null field inherits: user over database over the global [pgbouncer] value.
 *
 * @param poolSize             pool_size
 * @param minPoolSize          min_pool_size
 * @param reservePoolSize      reserve_pool (database) / reserve_pool_size
 * @param maxServerConnections max_db_connections (database) or max_user_connections (user)
 * @param maxClientConnections max_db_client_connections (database) or max_user_client_connections (user)
 * @param sessionState         pgfleet_session_state: pin or refuse session state in transaction and statement mode
 */
public record PoolOverrides(PoolMode poolMode, Integer poolSize, Integer minPoolSize, Integer reservePoolSize,
                            Integer maxServerConnections, Integer maxClientConnections, Duration serverLifetime,
                            Duration queryTimeout, Duration idleTransactionTimeout, Duration transactionTimeout,
                            Duration clientIdleTimeout, SessionStatePolicy sessionState) {
    public static final PoolOverrides NONE = new PoolOverrides(null, null, null, null, null, null, null, null, null, null, null, null);
}
