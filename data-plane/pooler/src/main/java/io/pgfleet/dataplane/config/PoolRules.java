package io.pgfleet.dataplane.config;

import io.pgfleet.proto.v1.Pool;
import io.pgfleet.proto.v1.PoolScope;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which pool settings each scope may set (docs/control-plane.md, "Pool settings"), and
 * that none is negative. Settings are named as in pgbouncer.ini and the REST API, with
 * durations in seconds, because these messages are shown to API users.
 */
final class PoolRules {
    private static final Set<PoolScope> ALL = EnumSet.of(PoolScope.FLEET, PoolScope.DATABASE, PoolScope.USER);
    private static final Set<PoolScope> NOT_USER = EnumSet.of(PoolScope.FLEET, PoolScope.DATABASE);
    private static final Set<PoolScope> NOT_DATABASE = EnumSet.of(PoolScope.FLEET, PoolScope.USER);
    private static final Set<PoolScope> FLEET_ONLY = EnumSet.of(PoolScope.FLEET);

    /** One optional setting: its API name, where it may be set, whether it is set, its value. */
    private record Field(String name, Set<PoolScope> scopes, Predicate<Pool> present, Function<Pool, Long> value,
                         boolean millis) {
        static Field count(String name, Set<PoolScope> scopes, Predicate<Pool> present, Function<Pool, Integer> value) {
            return new Field(name, scopes, present, p -> (long) value.apply(p), false);
        }

        static Field duration(String name, Set<PoolScope> scopes, Predicate<Pool> present, Function<Pool, Long> value) {
            return new Field(name, scopes, present, value, true);
        }
    }

    private static final List<Field> FIELDS = List.of(
            Field.count("default_pool_size", ALL, Pool::hasDefaultPoolSize, Pool::getDefaultPoolSize),
            Field.count("min_pool_size", ALL, Pool::hasMinPoolSize, Pool::getMinPoolSize),
            Field.count("reserve_pool_size", ALL, Pool::hasReservePoolSize, Pool::getReservePoolSize),
            Field.count("max_db_connections", NOT_USER, Pool::hasMaxDbConnections, Pool::getMaxDbConnections),
            Field.count("max_db_client_connections", NOT_USER, Pool::hasMaxDbClientConnections, Pool::getMaxDbClientConnections),
            Field.count("max_user_connections", NOT_DATABASE, Pool::hasMaxUserConnections, Pool::getMaxUserConnections),
            Field.count("max_user_client_connections", NOT_DATABASE, Pool::hasMaxUserClientConnections, Pool::getMaxUserClientConnections),
            Field.duration("server_lifetime", ALL, Pool::hasServerLifetimeMs, Pool::getServerLifetimeMs),
            Field.duration("query_timeout", ALL, Pool::hasQueryTimeoutMs, Pool::getQueryTimeoutMs),
            Field.duration("idle_transaction_timeout", ALL, Pool::hasIdleTransactionTimeoutMs, Pool::getIdleTransactionTimeoutMs),
            Field.duration("transaction_timeout", ALL, Pool::hasTransactionTimeoutMs, Pool::getTransactionTimeoutMs),
            Field.duration("client_idle_timeout", ALL, Pool::hasClientIdleTimeoutMs, Pool::getClientIdleTimeoutMs),
            Field.duration("server_idle_timeout", FLEET_ONLY, Pool::hasServerIdleTimeoutMs, Pool::getServerIdleTimeoutMs),
            Field.duration("query_wait_timeout", FLEET_ONLY, Pool::hasQueryWaitTimeoutMs, Pool::getQueryWaitTimeoutMs),
            Field.count("max_client_conn", FLEET_ONLY, Pool::hasMaxClientConn, Pool::getMaxClientConn),
            Field.count("max_prepared_statements", FLEET_ONLY, Pool::hasMaxPreparedStatements, Pool::getMaxPreparedStatements));

    private PoolRules() {
    }

    static String problem(String name, Pool pool) {
        PoolScope scope = pool.getScope();
        if (scope == PoolScope.POOL_SCOPE_UNSPECIFIED || scope == PoolScope.UNRECOGNIZED) {
            return "pool \"" + name + "\": scope must be set (fleet, database or user)";
        }
        if (scope == PoolScope.FLEET && !name.equals(ResourceValidator.FLEET_POOL)) {
            return "pool \"" + name + "\": a fleet pool must be named \"" + ResourceValidator.FLEET_POOL + "\"";
        }
        if (scope != PoolScope.FLEET && name.equals(ResourceValidator.FLEET_POOL)) {
            return "pool \"" + name + "\" must have scope fleet";
        }
        if (pool.getMode() == io.pgfleet.proto.v1.PoolMode.UNRECOGNIZED) {
            return "pool \"" + name + "\": pool_mode has a value this node does not know";
        }
        if (pool.getSessionState() == io.pgfleet.proto.v1.SessionStatePolicy.UNRECOGNIZED) {
            return "pool \"" + name + "\": pgfleet_session_state has a value this node does not know";
        }
        for (Field field : FIELDS) {
            if (!field.present().test(pool)) {
                continue;
            }
            if (!field.scopes().contains(scope)) {
                return "pool \"" + name + "\": " + field.name() + " " + (field.scopes() == FLEET_ONLY
                        ? "can only be set for the whole fleet" : "cannot be set for a " + scopeName(scope));
            }
            long value = field.value().apply(pool);
            if (value < 0) {
                return "pool \"" + name + "\": " + field.name() + " must not be negative (got "
                        + (field.millis() ? value / 1000.0 + " s" : String.valueOf(value)) + ")";
            }
        }
        return null;
    }

    private static String scopeName(PoolScope scope) {
        return scope == PoolScope.DATABASE ? "database" : "user";
    }
}
