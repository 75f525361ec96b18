package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.PoolerSettings;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The [pgbouncer] section: pool settings, limits and timeouts ({@link PoolerConfig}),
 * the process-level ones ({@link PoolerSettings}), and how clients authenticate.
 *
 * @param authType    how clients authenticate; {@code auth_type = hba} is read as md5 with {@link #hbaAuth()} set
 * @param hbaAuth     {@code auth_type = hba}: the rules in {@code authHbaFile} pick the method
 * @param authFile    auth_file as written (relative to the ini file's directory); may be null
 * @param authHbaFile auth_hba_file as written; may be null
 */
record PgBouncerSection(PoolerSettings settings, PoolerConfig pooler, AuthType authType, boolean hbaAuth,
                        String authFile, String authHbaFile) {

    /** Where clients connect when listen_addr is not set (PgBouncer would then take Unix sockets only). */
    static final String DEFAULT_LISTEN_ADDRESS = "127.0.0.1";
    static final int DEFAULT_LISTEN_PORT = 6432;
    /** pgfleet's own key: refuse or allow auth_type plain on connections without TLS. */
    static final String ALLOW_PLAIN_WITHOUT_TLS = "pgfleet_allow_plain_without_tls";

    static PgBouncerSection read(Map<String, String> section, List<String> warnings) {
        IniValueParser values = new IniValueParser("[pgbouncer]", warnings);
        PoolerConfig.Builder b = PoolerConfig.DEFAULTS.toBuilder();
        TlsParts clientTls = new TlsParts(b.clientTls);
        TlsParts serverTls = new TlsParts(b.serverTls);
        String listenAddress = DEFAULT_LISTEN_ADDRESS;
        int listenPort = DEFAULT_LISTEN_PORT;
        int maxMessageSize = PoolerSettings.DEFAULT_MAX_MESSAGE_SIZE;
        boolean soReuseport = false;
        AuthType authType = AuthType.MD5;
        boolean hbaAuth = false;
        String authFile = null;
        String authHbaFile = null;

        for (Map.Entry<String, String> entry : section.entrySet()) {
            String key = entry.getKey().toLowerCase(Locale.ROOT);
            String v = entry.getValue();
            switch (key) {
                case "pool_mode" -> b.poolMode = values.poolMode(key, v);
                case "default_pool_size" -> b.defaultPoolSize = values.count(key, v);
                case "min_pool_size" -> b.minPoolSize = values.count(key, v);
                case "reserve_pool_size" -> b.reservePoolSize = values.count(key, v);
                case "reserve_pool_timeout" -> b.reservePoolTimeout = values.duration(key, v);
                case "max_db_connections" -> b.maxDbConnections = values.count(key, v);
                case "max_user_connections" -> b.maxUserConnections = values.count(key, v);
                case "max_client_conn" -> b.maxClientConn = values.count(key, v);
                case "max_db_client_connections" -> b.maxDbClientConnections = values.count(key, v);
                case "max_user_client_connections" -> b.maxUserClientConnections = values.count(key, v);
                case "server_connect_timeout" -> b.serverConnectTimeout = values.duration(key, v);
                case "server_login_retry" -> b.serverLoginRetry = values.duration(key, v);
                case "server_idle_timeout" -> b.serverIdleTimeout = values.duration(key, v);
                case "server_lifetime" -> b.serverLifetime = values.duration(key, v);
                case "server_check_delay" -> b.serverCheckDelay = values.duration(key, v);
                case "server_check_query" -> b.serverCheckQuery = v.strip();
                case "query_timeout" -> b.queryTimeout = values.duration(key, v);
                case "query_wait_timeout" -> b.queryWaitTimeout = values.duration(key, v);
                case "client_idle_timeout" -> b.clientIdleTimeout = values.duration(key, v);
                case "client_login_timeout" -> b.clientLoginTimeout = values.duration(key, v);
                case "idle_transaction_timeout" -> b.idleTransactionTimeout = values.duration(key, v);
                case "transaction_timeout" -> b.transactionTimeout = values.duration(key, v);
                case "cancel_wait_timeout" -> b.cancelWaitTimeout = values.duration(key, v);
                case "server_reset_query" -> b.serverResetQuery = v.strip();
                case "server_reset_query_always" -> b.serverResetQueryAlways = values.bool(key, v);
                case "server_round_robin" -> b.serverRoundRobin = values.bool(key, v);
                case "max_prepared_statements" -> b.maxPreparedStatements = values.count(key, v);
                case SessionStatePolicy.SETTING -> b.sessionState = values.sessionState(key, v);
                case ALLOW_PLAIN_WITHOUT_TLS -> b.allowPlainWithoutTls = values.bool(key, v);
                case "listen_addr" -> listenAddress = listenAddress(values, key, v);
                case "listen_port" -> listenPort = values.port(key, v);
                case "max_packet_size" -> maxMessageSize = positive(values, key, v);
                case "so_reuseport" -> soReuseport = values.bool(key, v);
                case "auth_type" -> {
                    String method = values.word(key, v);
                    hbaAuth = "hba".equalsIgnoreCase(method);
                    authType = hbaAuth ? AuthType.MD5 : authType(values, key, method);
                }
                case "admin_users" -> b.adminUsers = userList(v);
                case "stats_users" -> b.statsUsers = userList(v);
                case "auth_file" -> authFile = emptyToNull(v);
                case "auth_hba_file" -> authHbaFile = emptyToNull(v);
                default -> {
                    if (key.startsWith("client_tls_")) {
                        clientTls.set(values, key, key.substring("client_tls_".length()), v);
                    } else if (key.startsWith("server_tls_")) {
                        serverTls.set(values, key, key.substring("server_tls_".length()), v);
                    } else {
                        unimplemented(values, key);
                    }
                }
            }
        }
        b.clientTls = clientTls.build(values, "client_tls_", true);
        b.serverTls = serverTls.build(values, "server_tls_", false);
        // the server connector reads its TCP connect timeout from the process settings today
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, b.serverConnectTimeout.toMillis());
        PoolerSettings settings = new PoolerSettings(listenAddress, listenPort, 0, maxMessageSize, connectMillis, soReuseport, 0);
        return new PgBouncerSection(settings, b.build(), authType, hbaAuth, authFile, authHbaFile);
    }

    /** A comma-separated list of user names, as PgBouncer reads admin_users and stats_users (blanks around names dropped). */
    static List<String> userList(String raw) {
        List<String> names = new java.util.ArrayList<>();
        for (String part : raw.split(",")) {
            String name = part.strip();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static void unimplemented(IniValueParser values, String key) {
        String reason = UnimplementedSettings.PGBOUNCER.get(key);
        values.warn(key, reason != null ? reason + " (ignored)" : "unknown setting (ignored)");
    }

    private static String listenAddress(IniValueParser values, String key, String raw) {
        String[] addresses = raw.split(",");
        String first = addresses[0].strip();
        if (first.isEmpty()) {
            throw values.invalid(key, raw, "no address (the node does not listen on Unix sockets)");
        }
        if (addresses.length > 1) {
            values.warn(key, "a list of addresses is not supported yet; listening on " + first + " only");
        }
        return first;
    }

    private static AuthType authType(IniValueParser values, String key, String method) {
        try {
            return AuthType.fromIni(method);
        } catch (IllegalArgumentException e) {
            throw values.invalid(key, method, "not supported (trust, plain, md5, scram-sha-256, cert or hba)");
        }
    }

    private static int positive(IniValueParser values, String key, String raw) {
        int n = values.count(key, raw);
        if (n == 0) {
            throw values.invalid(key, raw, "must be more than 0");
        }
        return n;
    }

    private static String emptyToNull(String value) {
        String v = value.strip();
        return v.isEmpty() ? null : v;
    }

    /** One side's client_tls_* or server_tls_* keys, gathered before they become a {@link TlsSettings}. */
    private static final class TlsParts {
        private TlsMode mode;
        private String certFile;
        private String keyFile;
        private String caFile;
        private String protocols;
        private String ciphers;

        TlsParts(TlsSettings defaults) {
            mode = defaults.mode();
            certFile = defaults.certFile();
            keyFile = defaults.keyFile();
            caFile = defaults.caFile();
            protocols = defaults.protocols();
            ciphers = defaults.ciphers();
        }

        void set(IniValueParser values, String key, String part, String raw) {
            switch (part) {
                case "sslmode" -> mode = values.tlsMode(key, raw);
                case "cert_file" -> certFile = emptyToNull(raw);
                case "key_file" -> keyFile = emptyToNull(raw);
                case "ca_file" -> caFile = emptyToNull(raw);
                case "protocols" -> protocols = values.word(key, raw);
                case "ciphers" -> ciphers = raw.strip();
                default -> unimplemented(values, key);
            }
        }

        /** As PgBouncer does, refuses client TLS without a key and certificate to present. */
        TlsSettings build(IniValueParser values, String prefix, boolean clientSide) {
            if (clientSide && mode != TlsMode.DISABLE && (certFile == null || keyFile == null)) {
                throw values.invalid(prefix + "sslmode", mode.iniName(), "needs " + prefix + "cert_file and " + prefix + "key_file");
            }
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException(values.where() + " " + prefix + "cert_file and " + prefix
                        + "key_file: set both or neither");
            }
            return new TlsSettings(mode, certFile, keyFile, caFile, protocols, ciphers);
        }
    }
}
