package io.pgfleet.dataplane.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The [users] section: pool settings a user sets for itself ({@code name = pool_mode=... pool_size=...}). */
final class UsersSection {
    private UsersSection() {
    }

    static Map<String, PoolOverrides> read(Map<String, String> section, List<String> warnings) {
        Map<String, PoolOverrides> users = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : section.entrySet()) {
            String name = IniFile.name(entry.getKey());
            users.put(name, overrides(entry.getValue(), new IniValueParser("[users] " + name, warnings)));
        }
        return users;
    }

    private static PoolOverrides overrides(String text, IniValueParser values) {
        Map<String, String> params;
        try {
            params = ConnectionString.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(values.where() + ": " + e.getMessage());
        }
        PoolMode poolMode = null;
        Integer poolSize = null;
        Integer reservePoolSize = null;
        Integer maxServerConnections = null;
        Integer maxClientConnections = null;
        Duration queryTimeout = null;
        Duration idleTransactionTimeout = null;
        Duration transactionTimeout = null;
        Duration clientIdleTimeout = null;
        SessionStatePolicy sessionState = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String key = p.getKey().toLowerCase(Locale.ROOT);
            String v = p.getValue();
            switch (key) {
                case "pool_mode" -> poolMode = values.poolMode(key, v);
                case "pool_size" -> poolSize = values.count(key, v);
                case "reserve_pool_size" -> reservePoolSize = values.count(key, v);
                case "max_user_connections" -> maxServerConnections = values.count(key, v);
                case "max_user_client_connections" -> maxClientConnections = values.count(key, v);
                case "query_timeout" -> queryTimeout = values.duration(key, v);
                case "idle_transaction_timeout" -> idleTransactionTimeout = values.duration(key, v);
                case "transaction_timeout" -> transactionTimeout = values.duration(key, v);
                case "client_idle_timeout" -> clientIdleTimeout = values.duration(key, v);
                case SessionStatePolicy.SETTING -> sessionState = values.sessionState(key, v);
                default -> {
                    String reason = UnimplementedSettings.USER.get(key);
                    values.warn(key, reason != null ? reason + " (ignored)" : "unknown parameter (ignored)");
                }
            }
        }
        return new PoolOverrides(poolMode, poolSize, null, reservePoolSize, maxServerConnections, maxClientConnections,
                null, queryTimeout, idleTransactionTimeout, transactionTimeout, clientIdleTimeout, sessionState);
    }
}
