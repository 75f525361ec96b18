package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.TlsSettings;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The rows of SHOW CONFIG: the [pgbouncer] settings the node acts on, as PgBouncer prints
 * them (durations in seconds, booleans as 0/1, lists comma-separated). Settings a reload or
 * a control-plane push can change are "changeable".
 */
final class ConsoleConfig {
    record Setting(String key, String value, String defaultValue, boolean changeable) {
    }

    private ConsoleConfig() {
    }

    static List<Setting> settings(PoolerSettings process, NodeConfig config) {
        List<Setting> out = new ArrayList<>();
        if (process != null) {
            out.add(new Setting("listen_addr", process.listenAddress(), "", false));
            out.add(new Setting("listen_port", Integer.toString(process.listenPort()), "6432", false));
            out.add(new Setting("max_packet_size", Integer.toString(process.maxMessageSize()),
                    Integer.toString(PoolerSettings.DEFAULT_MAX_MESSAGE_SIZE), false));
            out.add(new Setting("so_reuseport", process.soReuseport() ? "1" : "0", "0", false));
        }
        out.add(new Setting("auth_type", config.authType().iniName(), "md5", true));
        PoolerConfig c = config.pooler();
        PoolerConfig d = PoolerConfig.DEFAULTS;
        add(out, c, d, "pool_mode", p -> p.poolMode().iniName());
        add(out, c, d, "default_pool_size", p -> p.defaultPoolSize());
        add(out, c, d, "min_pool_size", p -> p.minPoolSize());
        add(out, c, d, "reserve_pool_size", p -> p.reservePoolSize());
        add(out, c, d, "reserve_pool_timeout", p -> p.reservePoolTimeout());
        add(out, c, d, "max_client_conn", p -> p.maxClientConn());
        add(out, c, d, "max_db_connections", p -> p.maxDbConnections());
        add(out, c, d, "max_user_connections", p -> p.maxUserConnections());
        add(out, c, d, "max_db_client_connections", p -> p.maxDbClientConnections());
        add(out, c, d, "max_user_client_connections", p -> p.maxUserClientConnections());
        add(out, c, d, "server_connect_timeout", p -> p.serverConnectTimeout());
        add(out, c, d, "server_login_retry", p -> p.serverLoginRetry());
        add(out, c, d, "server_idle_timeout", p -> p.serverIdleTimeout());
        add(out, c, d, "server_lifetime", p -> p.serverLifetime());
        add(out, c, d, "server_check_delay", p -> p.serverCheckDelay());
        add(out, c, d, "server_check_query", p -> p.serverCheckQuery());
        add(out, c, d, "server_reset_query", p -> p.serverResetQuery());
        add(out, c, d, "server_reset_query_always", p -> p.serverResetQueryAlways());
        add(out, c, d, "server_round_robin", p -> p.serverRoundRobin());
        add(out, c, d, "query_timeout", p -> p.queryTimeout());
        add(out, c, d, "query_wait_timeout", p -> p.queryWaitTimeout());
        add(out, c, d, "client_idle_timeout", p -> p.clientIdleTimeout());
        add(out, c, d, "client_login_timeout", p -> p.clientLoginTimeout());
        add(out, c, d, "idle_transaction_timeout", p -> p.idleTransactionTimeout());
        add(out, c, d, "transaction_timeout", p -> p.transactionTimeout());
        add(out, c, d, "cancel_wait_timeout", p -> p.cancelWaitTimeout());
        add(out, c, d, "max_prepared_statements", p -> p.maxPreparedStatements());
        add(out, c, d, "client_tls_sslmode", p -> tlsMode(p.clientTls()));
        add(out, c, d, "server_tls_sslmode", p -> tlsMode(p.serverTls()));
        add(out, c, d, "admin_users", p -> String.join(",", p.adminUsers()));
        add(out, c, d, "stats_users", p -> String.join(",", p.statsUsers()));
        add(out, c, d, "pgfleet_session_state", p -> p.sessionState().iniName());
        add(out, c, d, "pgfleet_allow_plain_without_tls", p -> p.allowPlainWithoutTls());
        return out;
    }

    private static void add(List<Setting> out, PoolerConfig current, PoolerConfig defaults, String key,
                            Function<PoolerConfig, Object> field) {
        out.add(new Setting(key, format(field.apply(current)), format(field.apply(defaults)), true));
    }

    private static String tlsMode(TlsSettings tls) {
        return tls == null || tls.mode() == null ? "" : tls.mode().iniName();
    }

    private static String format(Object value) {
        return switch (value) {
            case null -> "";
            case Boolean b -> b ? "1" : "0";
            case Duration d -> BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
            default -> value.toString();
        };
    }
}
