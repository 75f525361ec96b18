package io.pgfleet.dataplane.config;

import java.util.Map;

/**
 * Everything a node serves, immutable. A new config replaces the old one as a whole, so
 * a login always sees one consistent version.
 *
 * @param databases by client database name; the key {@code *} is PgBouncer's fallback
 * @param users     by user name; also users that only carry [users] pool settings
 * @param pooler    the [pgbouncer] pool settings, limits and timeouts
 * @param hba       client authentication rules (auth_hba_file); {@link HbaRules#NONE} = auth_type for everyone
 */
public record NodeConfig(AuthType authType, Map<String, DatabaseTarget> databases, Map<String, UserEntry> users,
                         PoolerConfig pooler, HbaRules hba) {
    public static final String FALLBACK_DATABASE = "*";

    public static final NodeConfig EMPTY = new NodeConfig(AuthType.SCRAM_SHA_256, Map.of(), Map.of());

    public NodeConfig {
        databases = Map.copyOf(databases);
        users = Map.copyOf(users);
        pooler = pooler == null ? PoolerConfig.DEFAULTS : pooler;
        hba = hba == null ? HbaRules.NONE : hba;
    }

    public NodeConfig(AuthType authType, Map<String, DatabaseTarget> databases, Map<String, UserEntry> users) {
        this(authType, databases, users, PoolerConfig.DEFAULTS, HbaRules.NONE);
    }

    public NodeConfig withPooler(PoolerConfig newPooler) {
        return new NodeConfig(authType, databases, users, newPooler, hba);
    }

    /** The target for a client database name, via the {@code *} fallback if needed; null if none. */
    public DatabaseTarget database(String name) {
        DatabaseTarget target = databases.get(name);
        if (target != null) {
            return target;
        }
        DatabaseTarget fallback = databases.get(FALLBACK_DATABASE);
        return fallback == null ? null : fallback.forFallback(name);
    }

    public UserEntry user(String name) {
        return users.get(name);
    }
}
