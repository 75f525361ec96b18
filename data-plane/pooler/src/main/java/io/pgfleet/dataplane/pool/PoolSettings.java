package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.dataplane.config.UserEntry;

import java.time.Duration;
import java.util.function.Function;

/**
 * One pool's settings after inheritance: the user's value, else the database's, else the
 * global [pgbouncer] value. Times are nanoseconds, 0 = off, for cheap checks on hot paths.
 */
public record PoolSettings(PoolMode poolMode, int poolSize, int minPoolSize, int reservePoolSize, long reservePoolTimeoutNanos,
                           int maxDbConnections, int maxUserConnections, int maxDbClientConnections,
                           int maxUserClientConnections, long serverLoginRetryNanos, long serverIdleTimeoutNanos,
                           long serverLifetimeNanos, long serverCheckDelayNanos, String serverCheckQuery,
                           String serverResetQuery, boolean serverResetQueryAlways, boolean serverRoundRobin,
                           long queryWaitTimeoutNanos, long cancelWaitTimeoutNanos, ClientTimeouts clientTimeouts,
                           int maxPreparedStatements, SessionStatePolicy sessionState) {

    /**
     * Whether the node translates clients' named prepared statements (transaction and
     * statement mode with max_prepared_statements above 0); in session mode a client has its
     * server to itself and every message passes as it came.
     */
    public boolean tracksPreparedStatements() {
        return poolMode != PoolMode.SESSION && maxPreparedStatements > 0;
    }

    /** Timeouts enforced on each client of the pool. */
    public record ClientTimeouts(long queryTimeoutNanos, long idleTransactionTimeoutNanos, long transactionTimeoutNanos,
                                 long clientIdleTimeoutNanos) {
    }

    public static PoolSettings resolve(PoolerConfig global, DatabaseTarget database, UserEntry user) {
        PoolOverrides db = database.pool();
        PoolOverrides usr = user == null ? PoolOverrides.NONE : user.pool();
        return new PoolSettings(
                pick(usr, db, PoolOverrides::poolMode, global.poolMode()),
                pick(usr, db, PoolOverrides::poolSize, global.defaultPoolSize()),
                pick(usr, db, PoolOverrides::minPoolSize, global.minPoolSize()),
                pick(usr, db, PoolOverrides::reservePoolSize, global.reservePoolSize()),
                nanos(global.reservePoolTimeout()),
                db.maxServerConnections() != null ? db.maxServerConnections() : global.maxDbConnections(),
                usr.maxServerConnections() != null ? usr.maxServerConnections() : global.maxUserConnections(),
                db.maxClientConnections() != null ? db.maxClientConnections() : global.maxDbClientConnections(),
                usr.maxClientConnections() != null ? usr.maxClientConnections() : global.maxUserClientConnections(),
                nanos(global.serverLoginRetry()),
                nanos(global.serverIdleTimeout()),
                nanos(pick(usr, db, PoolOverrides::serverLifetime, global.serverLifetime())),
                nanos(global.serverCheckDelay()),
                blankToNull(global.serverCheckQuery()),
                blankToNull(global.serverResetQuery()),
                global.serverResetQueryAlways(),
                global.serverRoundRobin(),
                nanos(global.queryWaitTimeout()),
                nanos(global.cancelWaitTimeout()),
                new ClientTimeouts(
                        nanos(pick(usr, db, PoolOverrides::queryTimeout, global.queryTimeout())),
                        nanos(pick(usr, db, PoolOverrides::idleTransactionTimeout, global.idleTransactionTimeout())),
                        nanos(pick(usr, db, PoolOverrides::transactionTimeout, global.transactionTimeout())),
                        nanos(pick(usr, db, PoolOverrides::clientIdleTimeout, global.clientIdleTimeout()))),
                global.maxPreparedStatements(),
                pick(usr, db, PoolOverrides::sessionState, global.sessionState()));
    }

    private static <T> T pick(PoolOverrides user, PoolOverrides database, Function<PoolOverrides, T> field, T global) {
        T value = field.apply(user);
        if (value != null) {
            return value;
        }
        value = field.apply(database);
        return value != null ? value : global;
    }

    private static long nanos(Duration duration) {
        return duration == null ? 0 : duration.toNanos();
    }

    private static String blankToNull(String query) {
        return query == null || query.isBlank() ? null : query;
    }
}
