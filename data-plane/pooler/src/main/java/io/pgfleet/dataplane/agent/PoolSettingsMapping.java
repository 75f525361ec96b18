package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.proto.v1.Pool;

import java.time.Duration;

/**
 * A Pool resource as the node's pool settings: the fleet pool over the node defaults
 * ({@link PoolerConfig}), a database or user pool as {@link PoolOverrides}. Only fields
 * that are set take effect; the others inherit, as in pgbouncer.ini.
 */
final class PoolSettingsMapping {
    private PoolSettingsMapping() {
    }

    static PoolerConfig fleet(PoolerConfig defaults, Pool pool) {
        PoolerConfig.Builder b = defaults.toBuilder();
        if (pool.getMode() != io.pgfleet.proto.v1.PoolMode.POOL_MODE_UNSPECIFIED) {
            b.poolMode = mode(pool);
        }
        if (pool.getSessionState() != io.pgfleet.proto.v1.SessionStatePolicy.SESSION_STATE_POLICY_UNSPECIFIED) {
            b.sessionState = sessionState(pool);
        }
        if (pool.hasDefaultPoolSize()) b.defaultPoolSize = pool.getDefaultPoolSize();
        if (pool.hasMinPoolSize()) b.minPoolSize = pool.getMinPoolSize();
        if (pool.hasReservePoolSize()) b.reservePoolSize = pool.getReservePoolSize();
        if (pool.hasMaxDbConnections()) b.maxDbConnections = pool.getMaxDbConnections();
        if (pool.hasMaxUserConnections()) b.maxUserConnections = pool.getMaxUserConnections();
        if (pool.hasMaxClientConn()) b.maxClientConn = pool.getMaxClientConn();
        if (pool.hasMaxDbClientConnections()) b.maxDbClientConnections = pool.getMaxDbClientConnections();
        if (pool.hasMaxUserClientConnections()) b.maxUserClientConnections = pool.getMaxUserClientConnections();
        if (pool.hasMaxPreparedStatements()) b.maxPreparedStatements = pool.getMaxPreparedStatements();
        if (pool.hasServerIdleTimeoutMs()) b.serverIdleTimeout = Duration.ofMillis(pool.getServerIdleTimeoutMs());
        if (pool.hasServerLifetimeMs()) b.serverLifetime = Duration.ofMillis(pool.getServerLifetimeMs());
        if (pool.hasQueryWaitTimeoutMs()) b.queryWaitTimeout = Duration.ofMillis(pool.getQueryWaitTimeoutMs());
        if (pool.hasQueryTimeoutMs()) b.queryTimeout = Duration.ofMillis(pool.getQueryTimeoutMs());
        if (pool.hasIdleTransactionTimeoutMs()) b.idleTransactionTimeout = Duration.ofMillis(pool.getIdleTransactionTimeoutMs());
        if (pool.hasTransactionTimeoutMs()) b.transactionTimeout = Duration.ofMillis(pool.getTransactionTimeoutMs());
        if (pool.hasClientIdleTimeoutMs()) b.clientIdleTimeout = Duration.ofMillis(pool.getClientIdleTimeoutMs());
        return b.build();
    }

    /** A DATABASE pool: max_db_* are the database's server and client limits. */
    static PoolOverrides database(Pool pool) {
        return overrides(pool,
                pool.hasMaxDbConnections() ? pool.getMaxDbConnections() : null,
                pool.hasMaxDbClientConnections() ? pool.getMaxDbClientConnections() : null);
    }

    /** A USER pool: max_user_* are the user's server and client limits. */
    static PoolOverrides user(Pool pool) {
        return overrides(pool,
                pool.hasMaxUserConnections() ? pool.getMaxUserConnections() : null,
                pool.hasMaxUserClientConnections() ? pool.getMaxUserClientConnections() : null);
    }

    private static PoolOverrides overrides(Pool pool, Integer maxServers, Integer maxClients) {
        return new PoolOverrides(
                pool.getMode() == io.pgfleet.proto.v1.PoolMode.POOL_MODE_UNSPECIFIED ? null : mode(pool),
                pool.hasDefaultPoolSize() ? pool.getDefaultPoolSize() : null,
                pool.hasMinPoolSize() ? pool.getMinPoolSize() : null,
                pool.hasReservePoolSize() ? pool.getReservePoolSize() : null,
                maxServers, maxClients,
                pool.hasServerLifetimeMs() ? Duration.ofMillis(pool.getServerLifetimeMs()) : null,
                pool.hasQueryTimeoutMs() ? Duration.ofMillis(pool.getQueryTimeoutMs()) : null,
                pool.hasIdleTransactionTimeoutMs() ? Duration.ofMillis(pool.getIdleTransactionTimeoutMs()) : null,
                pool.hasTransactionTimeoutMs() ? Duration.ofMillis(pool.getTransactionTimeoutMs()) : null,
                pool.hasClientIdleTimeoutMs() ? Duration.ofMillis(pool.getClientIdleTimeoutMs()) : null,
                pool.getSessionState() == io.pgfleet.proto.v1.SessionStatePolicy.SESSION_STATE_POLICY_UNSPECIFIED
                        ? null : sessionState(pool));
    }

    private static PoolMode mode(Pool pool) {
        return switch (pool.getMode()) {
            case TRANSACTION -> PoolMode.TRANSACTION;
            case STATEMENT -> PoolMode.STATEMENT;
            default -> PoolMode.SESSION;
        };
    }

    private static SessionStatePolicy sessionState(Pool pool) {
        return pool.getSessionState() == io.pgfleet.proto.v1.SessionStatePolicy.REFUSE ? SessionStatePolicy.REFUSE : SessionStatePolicy.PIN;
    }
}
