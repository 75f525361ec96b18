package io.pgfleet.dataplane.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The [databases] section: each client database name with its libpq-style connection
 * string. {@code password} values are never put in a message.
 */
final class DatabasesSection {
    /** PgBouncer's keys for startup parameters, and the names PostgreSQL gives them. */
    private static final Map<String, String> SERVER_PARAMETERS = Map.of(
            "client_encoding", "client_encoding",
            "datestyle", "DateStyle",
            "timezone", "TimeZone",
            "application_name", "application_name");

    /** The name PgBouncer keeps for its admin console. */
    static final String ADMIN_DATABASE = "pgbouncer";

    private DatabasesSection() {
    }

    static Map<String, DatabaseTarget> read(Map<String, String> section, List<String> warnings) {
        Map<String, DatabaseTarget> databases = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : section.entrySet()) {
            String name = IniFile.name(entry.getKey());
            IniValueParser values = new IniValueParser("[databases] " + name, warnings);
            if (name.equals(ADMIN_DATABASE)) {
                values.warn("", "the name is reserved for the admin console (entry ignored)");
                continue;
            }
            DatabaseTarget target = database(name, entry.getValue(), values);
            if (target != null) {
                databases.put(name, target);
            }
        }
        return databases;
    }

    /** Null when the entry cannot be served (a Unix socket); the reason is in the warnings. */
    private static DatabaseTarget database(String name, String connectionString, IniValueParser values) {
        Map<String, String> params = new LinkedHashMap<>();
        try {
            ConnectionString.parse(connectionString).forEach((k, v) -> params.put(k.toLowerCase(Locale.ROOT), v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(values.where() + ": " + e.getMessage());
        }
        String host = params.remove("host");
        int port = params.containsKey("port") ? values.port("port", params.remove("port")) : 5432;
        String dbname = params.remove("dbname");
        String user = params.remove("user");
        String password = params.remove("password");
        if (password != null && user == null) {
            values.warn("password", "has no effect without user= (ignored)");
            password = null;
        }

        PoolMode poolMode = null;
        Integer poolSize = null;
        Integer minPoolSize = null;
        Integer reservePoolSize = null;
        Integer maxServerConnections = null;
        Integer maxClientConnections = null;
        Duration serverLifetime = null;
        SessionStatePolicy sessionState = null;
        Map<String, String> serverParameters = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : params.entrySet()) {
            String key = p.getKey();
            String v = p.getValue();
            switch (key) {
                case "pool_mode" -> poolMode = values.poolMode(key, v);
                case "pool_size" -> poolSize = values.count(key, v);
                case "min_pool_size" -> minPoolSize = values.count(key, v);
                // reserve_pool is the older spelling; both mean the same
                case "reserve_pool", "reserve_pool_size" -> reservePoolSize = values.count(key, v);
                case "max_db_connections" -> maxServerConnections = values.count(key, v);
                case "max_db_client_connections" -> maxClientConnections = values.count(key, v);
                case "server_lifetime" -> serverLifetime = values.duration(key, v);
                case SessionStatePolicy.SETTING -> sessionState = values.sessionState(key, v);
                default -> {
                    String parameter = SERVER_PARAMETERS.get(key);
                    if (parameter != null) {
                        serverParameters.put(parameter, v);
                    } else {
                        String reason = UnimplementedSettings.DATABASE.get(key);
                        values.warn(key, reason != null ? reason + " (ignored)" : "unknown parameter (ignored)");
                    }
                }
            }
        }
        List<HostAndPort> hosts = hosts(host, port, values);
        if (hosts.isEmpty()) {
            return null;
        }
        PoolOverrides pool = new PoolOverrides(poolMode, poolSize, minPoolSize, reservePoolSize, maxServerConnections,
                maxClientConnections, serverLifetime, null, null, null, null, sessionState);
        return new DatabaseTarget(name, hosts, dbname, user, password, pool, serverParameters);
    }

    private static List<HostAndPort> hosts(String host, int port, IniValueParser values) {
        List<HostAndPort> hosts = new ArrayList<>();
        if (host == null || host.isBlank()) {
            values.warn("host", "not set: PgBouncer would use a Unix socket; the node connects to localhost over TCP");
            hosts.add(new HostAndPort("localhost", port));
            return hosts;
        }
        // PgBouncer takes a comma-separated host list
        for (String h : host.split(",")) {
            String one = h.strip();
            if (one.startsWith("/") || one.startsWith("@")) {
                values.warn("host", one + " is a Unix socket, which the node does not support yet (host skipped)");
            } else if (!one.isEmpty()) {
                hosts.add(new HostAndPort(one, port));
            }
        }
        if (hosts.isEmpty()) {
            values.warn("host", "no TCP host left (database entry ignored)");
        }
        return hosts;
    }
}
