package io.pgfleet.dataplane.config;

import java.time.Duration;
import java.util.List;

/**
 * The [pgbouncer] settings a node can change while running (reload or control-plane push).
 * Names and defaults follow PgBouncer; a zero duration or limit means "off"/"unlimited" as
 * it does there. See docs/configuration.md for each one.
 */
public record PoolerConfig(
        PoolMode poolMode,
        int defaultPoolSize,
        int minPoolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        int maxDbConnections,
        int maxUserConnections,
        int maxClientConn,
        int maxDbClientConnections,
        int maxUserClientConnections,
        Duration serverConnectTimeout,
        Duration serverLoginRetry,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverCheckDelay,
        String serverCheckQuery,
        Duration queryTimeout,
        Duration queryWaitTimeout,
        Duration clientIdleTimeout,
        Duration clientLoginTimeout,
        Duration idleTransactionTimeout,
        Duration transactionTimeout,
        Duration cancelWaitTimeout,
        String serverResetQuery,
        boolean serverResetQueryAlways,
        boolean serverRoundRobin,
        TlsSettings clientTls,
        TlsSettings serverTls,
        boolean allowPlainWithoutTls,
        int maxPreparedStatements,
        SessionStatePolicy sessionState,
        List<String> adminUsers,
        List<String> statsUsers) {

    public PoolerConfig {
        adminUsers = List.copyOf(adminUsers);
        statsUsers = List.copyOf(statsUsers);
    }

    public static final PoolerConfig DEFAULTS = new PoolerConfig(
            PoolMode.SESSION, 20, 0, 0, Duration.ofSeconds(5), 0, 0, 100, 0, 0,
            Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(600), Duration.ofSeconds(3600),
            Duration.ofSeconds(30), "select 1", Duration.ZERO, Duration.ofSeconds(120), Duration.ZERO,
            Duration.ofSeconds(60), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10),
            "DISCARD ALL", false, false, TlsSettings.DISABLED, TlsSettings.SERVER_DEFAULT, false,
            200, SessionStatePolicy.PIN, List.of(), List.of());

    public Builder toBuilder() {
        Builder b = new Builder();
        b.poolMode = poolMode;
        b.defaultPoolSize = defaultPoolSize;
        b.minPoolSize = minPoolSize;
        b.reservePoolSize = reservePoolSize;
        b.reservePoolTimeout = reservePoolTimeout;
        b.maxDbConnections = maxDbConnections;
        b.maxUserConnections = maxUserConnections;
        b.maxClientConn = maxClientConn;
        b.maxDbClientConnections = maxDbClientConnections;
        b.maxUserClientConnections = maxUserClientConnections;
        b.serverConnectTimeout = serverConnectTimeout;
        b.serverLoginRetry = serverLoginRetry;
        b.serverIdleTimeout = serverIdleTimeout;
        b.serverLifetime = serverLifetime;
        b.serverCheckDelay = serverCheckDelay;
        b.serverCheckQuery = serverCheckQuery;
        b.queryTimeout = queryTimeout;
        b.queryWaitTimeout = queryWaitTimeout;
        b.clientIdleTimeout = clientIdleTimeout;
        b.clientLoginTimeout = clientLoginTimeout;
        b.idleTransactionTimeout = idleTransactionTimeout;
        b.transactionTimeout = transactionTimeout;
        b.cancelWaitTimeout = cancelWaitTimeout;
        b.serverResetQuery = serverResetQuery;
        b.serverResetQueryAlways = serverResetQueryAlways;
        b.serverRoundRobin = serverRoundRobin;
        b.clientTls = clientTls;
        b.serverTls = serverTls;
        b.allowPlainWithoutTls = allowPlainWithoutTls;
        b.maxPreparedStatements = maxPreparedStatements;
        b.sessionState = sessionState;
        b.adminUsers = adminUsers;
        b.statsUsers = statsUsers;
        return b;
    }

    /** Mutable copy for the loaders and tests; starts from the values it was made from. */
    public static final class Builder {
        public PoolMode poolMode;
        public int defaultPoolSize;
        public int minPoolSize;
        public int reservePoolSize;
        public Duration reservePoolTimeout;
        public int maxDbConnections;
        public int maxUserConnections;
        public int maxClientConn;
        public int maxDbClientConnections;
        public int maxUserClientConnections;
        public Duration serverConnectTimeout;
        public Duration serverLoginRetry;
        public Duration serverIdleTimeout;
        public Duration serverLifetime;
        public Duration serverCheckDelay;
        public String serverCheckQuery;
        public Duration queryTimeout;
        public Duration queryWaitTimeout;
        public Duration clientIdleTimeout;
        public Duration clientLoginTimeout;
        public Duration idleTransactionTimeout;
        public Duration transactionTimeout;
        public Duration cancelWaitTimeout;
        public String serverResetQuery;
        public boolean serverResetQueryAlways;
        public boolean serverRoundRobin;
        public TlsSettings clientTls;
        public TlsSettings serverTls;
        public boolean allowPlainWithoutTls;
        public int maxPreparedStatements;
        public SessionStatePolicy sessionState;
        /** admin_users: may run every admin console command. */
        public List<String> adminUsers;
        /** stats_users: may run the admin console's SHOW commands. */
        public List<String> statsUsers;

        public PoolerConfig build() {
            return new PoolerConfig(poolMode, defaultPoolSize, minPoolSize, reservePoolSize, reservePoolTimeout, maxDbConnections, maxUserConnections, maxClientConn, maxDbClientConnections, maxUserClientConnections, serverConnectTimeout, serverLoginRetry, serverIdleTimeout, serverLifetime, serverCheckDelay, serverCheckQuery, queryTimeout, queryWaitTimeout, clientIdleTimeout, clientLoginTimeout, idleTransactionTimeout, transactionTimeout, cancelWaitTimeout, serverResetQuery, serverResetQueryAlways, serverRoundRobin, clientTls, serverTls, allowPlainWithoutTls, maxPreparedStatements, sessionState, adminUsers, statsUsers);
        }
    }
}
