package io.pgfleet.controlplane.fleet;

import io.pgfleet.dataplane.auth.Md5Password;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.StringPreparation;
import io.pgfleet.controlplane.fleet.spec.HostSpec;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.fleet.spec.UserSpec;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.IniFile;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.dataplane.config.UserlistFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a PgBouncer setup (the text of pgbouncer.ini and of its auth_file) into the
 * equivalent desired state of a fleet. A pure function: it reads no file (auth_file and
 * auth_hba_file paths in the ini are not followed) and changes nothing.
 *
 * <p>Parsing is the pooler's own {@link PgBouncerConfigLoader}, so what imports is what a
 * node would load: anything the loader rejects is rejected here with its message, as an
 * {@link IllegalArgumentException}. Everything that is not imported or changes meaning is
 * named in {@link ImportedState#warnings()}. Neither warnings nor exceptions ever contain a
 * password, md5 hash or SCRAM verifier. See "Import from PgBouncer" in docs/control-plane.md.
 */
public final class PgBouncerImport {
    /** [pgbouncer] keys that are pool settings of the fleet (PoolSpec's keys). */
    static final Set<String> FLEET_POOL_KEYS = Set.of("pool_mode", "default_pool_size", "min_pool_size",
            "reserve_pool_size", "max_db_connections", "max_user_connections", "max_client_conn",
            "max_db_client_connections", "max_user_client_connections", "server_idle_timeout", "server_lifetime",
            "query_timeout", "query_wait_timeout", "idle_transaction_timeout", "transaction_timeout",
            "client_idle_timeout", "max_prepared_statements", SessionStatePolicy.SETTING);

    /** [pgbouncer] keys about one node (where it listens, how clients authenticate, logging): not desired state. */
    static final Set<String> NODE_LOCAL_KEYS = Set.of("listen_addr", "listen_port", "auth_type", "auth_hba_file",
            "auth_ident_file", "so_reuseport", "max_packet_size", "pgfleet_allow_plain_without_tls", "logfile",
            "pidfile", "syslog", "syslog_ident", "syslog_facility", "verbose", "user", "service_name", "job_name",
            "conffile", "unix_socket_dir", "unix_socket_mode", "unix_socket_group",
            "listen_backlog", "pkt_buf", "sbuf_loopcnt", "log_connections", "log_disconnections",
            "log_pooler_errors", "log_stats", "stats_period", "peer_id", "tcp_keepalive", "tcp_keepcnt",
            "tcp_keepidle", "tcp_keepintvl", "tcp_user_timeout", "tcp_defer_accept", "tcp_socket_buffer",
            "dns_max_ttl", "dns_nxdomain_ttl", "dns_zone_check_period", "resolv_conf", "client_tls13_ciphers");

    /** [pgbouncer] keys nodes act on that the desired state has no field for yet. */
    static final Set<String> NOT_IN_DESIRED_STATE_KEYS = Set.of("reserve_pool_timeout", "server_connect_timeout",
            "server_login_retry", "server_check_delay", "server_check_query", "client_login_timeout",
            "cancel_wait_timeout", "server_reset_query", "server_reset_query_always", "server_round_robin",
            "server_tls_cert_file", "server_tls_key_file", "server_tls_protocols", "server_tls_ciphers",
            "server_tls13_ciphers");

    /** PBKDF2 runs for a password=/verifier comparison only up to this many iterations. */
    private static final int MAX_CHECKED_ITERATIONS = 100_000;

    private static final Pattern DATABASE_PASSWORD = Pattern.compile(
            "(?i)(?:^|\\s)password\\s*=\\s*(?:'((?:\\\\.|[^'\\\\])*)'?|(\\S+))");
    private static final Pattern CONNECTION_STRING_ERROR = Pattern.compile(
            "^(\\[(?:databases|users)] .*?): (missing '=' after|unterminated quoted value for) '.*'$", Pattern.DOTALL);

    private PgBouncerImport() {
    }

    /**
     * The desired state equivalent to a PgBouncer setup.
     *
     * @param pgbouncerIni the text of pgbouncer.ini
     * @param userlist     the text of the auth_file it names (userlist.txt); null or blank when there is none
     * @throws IllegalArgumentException when the pooler's loader rejects the ini or the userlist cannot be read
     */
    public static ImportedState convert(String pgbouncerIni, String userlist) {
        if (pgbouncerIni == null) {
            throw new IllegalArgumentException("pgbouncer.ini text is missing");
        }
        IniFile ini = IniFile.parse(pgbouncerIni);
        Map<String, String> pgbouncer = new LinkedHashMap<>();
        ini.section("pgbouncer").forEach((k, v) -> pgbouncer.put(k.toLowerCase(Locale.ROOT), v));
        Set<String> secrets = secretsOf(ini, userlist);

        try {
            return convert(ini, pgbouncerIni, pgbouncer, userlist, secrets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(redact(withheldToken(e.getMessage(), ini), secrets));
        }
    }

    private static ImportedState convert(IniFile ini, String iniText, Map<String, String> pgbouncer, String userlist,
                                         Set<String> secrets) {
        PgBouncerConfigLoader.Loaded loaded;
        try {
            // no auth_file or auth_hba_file: the loader then reads no file at all (their paths are the nodes')
            loaded = PgBouncerConfigLoader.parse(withoutAuthFiles(iniText), Path.of(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NodeConfig config = loaded.config();
        List<String> warnings = new ArrayList<>();
        Set<String> ownKeys = new LinkedHashSet<>(List.of("auth_file", "auth_hba_file", "auth_type"));

        // [pgbouncer]
        for (String key : pgbouncer.keySet()) {
            if (NODE_LOCAL_KEYS.contains(key) || key.startsWith("client_tls_")) {
                ownKeys.add(key);
                warnings.add("[pgbouncer] " + key + ": applies to each node's own configuration; not imported");
            } else if (NOT_IN_DESIRED_STATE_KEYS.contains(key)) {
                ownKeys.add(key);
                warnings.add("[pgbouncer] " + key + ": the desired state has no such setting yet; nodes use their"
                        + " own value (not imported)");
            }
        }
        PoolerConfig pooler = config.pooler();
        if (pooler.serverTls().caFile() != null) {
            ownKeys.add("server_tls_ca_file");
            warnings.add("[pgbouncer] server_tls_ca_file: " + pooler.serverTls().caFile() + " cannot be read at import"
                    + " time; put the CA certificate (PEM) in each upstream's tlsCaPem");
        }
        boolean hasUserlist = userlist != null && !userlist.isBlank();
        if (pgbouncer.containsKey("auth_file") && !hasUserlist) {
            warnings.add("[pgbouncer] auth_file: its text was not given, so no user is imported from it");
        }
        for (String w : loaded.warnings()) {
            if (ownKeys.stream().noneMatch(k -> w.startsWith("[pgbouncer] " + k + ":") || w.startsWith("[pgbouncer] " + k + " "))) {
                warnings.add(w);
            }
        }
        PoolSpec fleetPool = fleetPool(pooler);
        TlsMode serverTlsMode = pooler.serverTls().mode();
        String tlsMode = serverTlsMode == PoolerConfig.DEFAULTS.serverTls().mode() ? null : serverTlsMode.iniName();

        // [databases]
        Map<String, UpstreamSpec> upstreams = new LinkedHashMap<>();
        Map<String, String> serverPasswords = new LinkedHashMap<>();
        Map<String, String> serverPasswordSource = new LinkedHashMap<>();
        for (String key : ini.section("databases").keySet()) {
            String name = IniFile.name(key);
            DatabaseTarget target = config.databases().get(name);
            if (target == null) {
                continue; // reserved name or no TCP host: the loader's warning says so
            }
            if (name.equals(NodeConfig.FALLBACK_DATABASE)) {
                warnings.add("[databases] *: the fallback entry (any other database name) cannot be expressed in the"
                        + " desired state; not imported: add an upstream for each database clients use");
                continue;
            }
            List<HostSpec> hosts = target.hosts().stream().map(h -> new HostSpec(h.host(), h.port())).toList();
            upstreams.put(name, new UpstreamSpec(hosts, null, null, target.dbname(), tlsMode, null, target.serverUser(),
                    nullIfEmpty(databasePool(target.pool()))));
            target.serverParameters().keySet().forEach(p -> warnings.add("[databases] " + name + " " + p
                    + ": startup parameters per database are not part of the desired state yet; not imported"));
            if (target.serverUser() != null && target.serverPassword() != null) {
                String earlier = serverPasswords.putIfAbsent(target.serverUser(), target.serverPassword());
                if (earlier == null) {
                    serverPasswordSource.put(target.serverUser(), name);
                } else if (!earlier.equals(target.serverPassword())) {
                    warnings.add("[databases] " + name + " password: differs from the one [databases] "
                            + serverPasswordSource.get(target.serverUser()) + " gives user " + target.serverUser()
                            + "; imported that one");
                }
            }
        }

        // users: auth_file, password= of [databases], [users]
        Map<String, String> listed = hasUserlist ? UserlistFile.parse(userlist) : Map.of();
        Set<String> names = new LinkedHashSet<>(listed.keySet());
        names.addAll(serverPasswords.keySet());
        ini.section("users").keySet().forEach(k -> names.add(IniFile.name(k)));
        Map<String, UserSpec> users = new LinkedHashMap<>();
        for (String name : names) {
            UserEntry settings = config.users().get(name);
            PoolSpec pool = settings == null ? null : nullIfEmpty(userPool(settings.pool()));
            String secret = listed.get(name);
            String password = null;
            String verifier = null;
            String serverPassword = serverPasswords.get(name);
            if (serverPassword != null) {
                password = serverPassword;
                if (secret != null) {
                    String where = "user " + name + ": the password= of [databases] " + serverPasswordSource.get(name);
                    switch (matches(name, serverPassword, secret)) {
                        case NO -> warnings.add(where + " differs from the user's secret in auth_file; imported the"
                                + " [databases] one (servers need it), so clients that log in as " + name
                                + " must use it too");
                        case UNKNOWN -> warnings.add(where + " could not be checked against the user's SCRAM verifier"
                                + " in auth_file (too many iterations); imported the [databases] one");
                        case YES -> {
                        }
                    }
                }
            } else if (secret != null) {
                if (ScramVerifier.looksLikeVerifier(secret)) {
                    try {
                        ScramVerifier.parse(secret);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("auth_file: user " + name + ": " + e.getMessage());
                    }
                    verifier = secret;
                } else if (isMd5Hash(secret)) {
                    warnings.add("auth_file: user " + name + ": md5 hash cannot be converted to SCRAM; set a password"
                            + " with PUT /api/v1/fleets/{fleet}/users/" + name + " (user not imported)");
                } else if (secret.isEmpty()) {
                    warnings.add("auth_file: user " + name + ": empty password; set one with PUT"
                            + " /api/v1/fleets/{fleet}/users/" + name + " (user not imported)");
                } else {
                    password = secret;
                    if (secret.regionMatches(true, 0, "md5", 0, 3)) {
                        warnings.add("auth_file: user " + name + ": the secret starts with md5 but is not an md5 hash"
                                + " (md5 and 32 hex digits); imported as a plaintext password, as PgBouncer reads it");
                    }
                }
            }
            if (password == null && verifier == null) {
                if (pool != null) {
                    warnings.add("[users] " + name + ": the user has no importable password or SCRAM verifier, so its"
                            + " settings are not imported either");
                } else if (settings != null && secret == null) {
                    warnings.add("[users] " + name + ": the user is not in auth_file; not imported");
                }
                continue;
            }
            users.put(name, new UserSpec(password, verifier, pool, consoleAccess(pooler, name)));
        }
        // admin_users and stats_users become the users' console access; a name without an imported user has none.
        for (String name : concat(pooler.adminUsers(), pooler.statsUsers())) {
            if (!users.containsKey(name)) {
                warnings.add("[pgbouncer] admin_users/stats_users: " + name + " is not an imported user; its console"
                        + " access is not imported");
            }
        }
        upstreams.forEach((name, upstream) -> {
            String serverUser = upstream.serverUser();
            if (serverUser != null && (users.get(serverUser) == null || users.get(serverUser).password() == null)) {
                warnings.add("[databases] " + name + " user: nodes need the password of " + serverUser + " to log in"
                        + " to the server as " + serverUser + ", and the import has none; set it with PUT"
                        + " /api/v1/fleets/{fleet}/users/" + serverUser);
            }
        });

        List<String> safe = warnings.stream().map(w -> redact(w, secrets)).toList();
        return new ImportedState(fleetPool, upstreams, users, Map.of(), safe);
    }

    /** [pgbouncer] pool settings that differ from PgBouncer's defaults. */
    static PoolSpec fleetPool(PoolerConfig p) {
        PoolerConfig d = PoolerConfig.DEFAULTS;
        return new PoolSpec(
                p.poolMode() == d.poolMode() ? null : p.poolMode().iniName(),
                changed(p.defaultPoolSize(), d.defaultPoolSize()),
                changed(p.minPoolSize(), d.minPoolSize()),
                changed(p.reservePoolSize(), d.reservePoolSize()),
                changed(p.maxDbConnections(), d.maxDbConnections()),
                changed(p.maxUserConnections(), d.maxUserConnections()),
                changed(p.maxClientConn(), d.maxClientConn()),
                changed(p.maxDbClientConnections(), d.maxDbClientConnections()),
                changed(p.maxUserClientConnections(), d.maxUserClientConnections()),
                changed(p.serverIdleTimeout(), d.serverIdleTimeout()),
                changed(p.serverLifetime(), d.serverLifetime()),
                changed(p.queryTimeout(), d.queryTimeout()),
                changed(p.queryWaitTimeout(), d.queryWaitTimeout()),
                changed(p.idleTransactionTimeout(), d.idleTransactionTimeout()),
                changed(p.transactionTimeout(), d.transactionTimeout()),
                changed(p.clientIdleTimeout(), d.clientIdleTimeout()),
                changed(p.maxPreparedStatements(), d.maxPreparedStatements()),
                p.sessionState() == d.sessionState() ? null : p.sessionState().iniName());
    }

    /** A [databases] entry's own settings, all of them (they override the fleet's). */
    static PoolSpec databasePool(PoolOverrides o) {
        return new PoolSpec(mode(o.poolMode()), o.poolSize(), o.minPoolSize(), o.reservePoolSize(),
                o.maxServerConnections(), null, null, o.maxClientConnections(), null, null,
                seconds(o.serverLifetime()), seconds(o.queryTimeout()), null, seconds(o.idleTransactionTimeout()),
                seconds(o.transactionTimeout()), seconds(o.clientIdleTimeout()), null, policy(o.sessionState()));
    }

    /** A [users] entry's settings. */
    static PoolSpec userPool(PoolOverrides o) {
        return new PoolSpec(mode(o.poolMode()), o.poolSize(), o.minPoolSize(), o.reservePoolSize(), null,
                o.maxServerConnections(), null, null, o.maxClientConnections(), null, seconds(o.serverLifetime()),
                seconds(o.queryTimeout()), null, seconds(o.idleTransactionTimeout()), seconds(o.transactionTimeout()),
                seconds(o.clientIdleTimeout()), null, policy(o.sessionState()));
    }

    /** PgBouncer's admin_users and stats_users as the user's console access ("admin" wins). */
    private static String consoleAccess(PoolerConfig pooler, String user) {
        return pooler.adminUsers().contains(user) ? "admin" : pooler.statsUsers().contains(user) ? "stats" : null;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static PoolSpec nullIfEmpty(PoolSpec spec) {
        return spec.isEmpty() ? null : spec;
    }

    private static Integer changed(int value, int defaultValue) {
        return value == defaultValue ? null : value;
    }

    private static Double changed(Duration value, Duration defaultValue) {
        return Objects.equals(value, defaultValue) ? null : seconds(value);
    }

    /** Seconds, fractions allowed, as the spec's durations are. */
    static Double seconds(Duration d) {
        return d == null ? null : d.getSeconds() + d.getNano() / 1_000_000_000.0;
    }

    private static String mode(PoolMode mode) {
        return mode == null ? null : mode.iniName();
    }

    private static String policy(SessionStatePolicy policy) {
        return policy == null ? null : policy.iniName();
    }

    /** As PgBouncer tells one: "md5" and 32 more characters. */
    private static boolean isMd5Hash(String secret) {
        return secret.length() == 35 && secret.startsWith("md5");
    }

    private enum Match { YES, NO, UNKNOWN }

    /** Whether a plaintext password is the one an auth_file secret (plaintext, md5 hash or SCRAM verifier) stands for. */
    private static Match matches(String user, String password, String secret) {
        if (ScramVerifier.looksLikeVerifier(secret)) {
            ScramVerifier verifier;
            try {
                verifier = ScramVerifier.parse(secret);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("auth_file: user " + user + ": " + e.getMessage());
            }
            if (verifier.iterations() > MAX_CHECKED_ITERATIONS) {
                return Match.UNKNOWN;
            }
            byte[] salted = ScramFunctions.saltedPassword(ScramVerifier.MECHANISM,
                    StringPreparation.POSTGRESQL_PREPARATION, password.toCharArray(), verifier.salt(), verifier.iterations());
            byte[] storedKey = ScramFunctions.storedKey(ScramVerifier.MECHANISM,
                    ScramFunctions.clientKey(ScramVerifier.MECHANISM, salted));
            return MessageDigest.isEqual(storedKey, verifier.storedKey()) ? Match.YES : Match.NO;
        }
        if (isMd5Hash(secret)) {
            return secret.equalsIgnoreCase(Md5Password.storedHash(user, password)) ? Match.YES : Match.NO;
        }
        return secret.equals(password) ? Match.YES : Match.NO;
    }

    /** The ini without auth_file and auth_hba_file in [pgbouncer], line numbers kept. */
    static String withoutAuthFiles(String text) {
        StringBuilder out = new StringBuilder(text.length());
        String section = null;
        for (String line : text.split("\\R", -1)) {
            String s = line.strip();
            if (s.startsWith("[") && s.endsWith("]")) {
                section = s.substring(1, s.length() - 1).strip().toLowerCase(Locale.ROOT);
            } else if ("pgbouncer".equals(section) && !s.startsWith(";") && !s.startsWith("#") && s.indexOf('=') > 0) {
                String key = s.substring(0, s.indexOf('=')).strip().toLowerCase(Locale.ROOT);
                if (key.equals("auth_file") || key.equals("auth_hba_file")) {
                    out.append('\n');
                    continue;
                }
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** Every secret the two texts hold, for a last check that no message shows one. */
    private static Set<String> secretsOf(IniFile ini, String userlist) {
        Set<String> secrets = new LinkedHashSet<>();
        for (String entry : ini.section("databases").values()) {
            Matcher m = DATABASE_PASSWORD.matcher(entry);
            while (m.find()) {
                String value = m.group(1) != null ? m.group(1) : m.group(2);
                secrets.add(value);
                secrets.add(value.replaceAll("\\\\(.)", "$1"));
            }
        }
        if (userlist != null && !userlist.isBlank()) {
            try {
                secrets.addAll(UserlistFile.parse(userlist).values());
            } catch (IllegalArgumentException e) {
                // reported where the userlist is read; its messages name line numbers only
            }
        }
        secrets.removeIf(s -> s.length() < 4);
        return secrets;
    }

    private static String redact(String message, Set<String> secrets) {
        String result = message;
        for (String secret : secrets) {
            result = result.replace(secret, "(secret)");
        }
        return result;
    }

    /**
     * A connection string that cannot be read is reported with the token where reading
     * stopped; when an entry holds a password that token may be part of it (an unquoted
     * password with a space), so it is left out.
     */
    private static String withheldToken(String message, IniFile ini) {
        if (message == null) {
            return "invalid configuration";
        }
        Matcher m = CONNECTION_STRING_ERROR.matcher(message);
        boolean anyPassword = ini.section("databases").values().stream()
                .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("password"));
        if (m.matches() && anyPassword) {
            return m.group(1) + ": " + m.group(2) + " a value (not shown: the entry may hold a password)";
        }
        return message;
    }
}
