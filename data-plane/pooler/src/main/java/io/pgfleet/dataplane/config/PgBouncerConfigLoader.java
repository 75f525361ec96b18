package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.auth.ScramVerifier;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a standalone node's config from PgBouncer's own files: {@code pgbouncer.ini} and
 * the {@code auth_file} it names. Settings the node does not implement yet are reported,
 * never silently dropped. Derives SCRAM verifiers from plaintext passwords here, once, so
 * no PBKDF2 runs when clients log in.
 */
public final class PgBouncerConfigLoader {
    private static final Logger LOG = Logger.getLogger(PgBouncerConfigLoader.class);
    private static final Set<String> SUPPORTED_SETTINGS = Set.of("listen_addr", "listen_port", "auth_type", "auth_file");
    private static final Set<String> SUPPORTED_DATABASE_KEYS = Set.of("host", "port", "dbname", "user", "password");

    /** The result of a load: the process settings, what the node serves, and what it ignored. */
    public record Loaded(PoolerSettings settings, NodeConfig config, List<String> warnings) {
    }

    private PgBouncerConfigLoader() {
    }

    public static Loaded load(Path iniPath) throws IOException {
        IniFile ini = IniFile.parse(Files.readString(iniPath));
        List<String> warnings = new ArrayList<>(ini.problems());

        Map<String, String> pgbouncer = new LinkedHashMap<>();
        ini.section("pgbouncer").forEach((k, v) -> pgbouncer.put(k.toLowerCase(Locale.ROOT), v));
        pgbouncer.keySet().stream().filter(k -> !SUPPORTED_SETTINGS.contains(k))
                .forEach(k -> warnings.add("[pgbouncer] " + k + " is not supported yet and is ignored"));

        String listenAddr = pgbouncer.getOrDefault("listen_addr", "127.0.0.1");
        int listenPort = parseInt(pgbouncer.getOrDefault("listen_port", "6432"), "listen_port");
        AuthType authType = AuthType.fromIni(pgbouncer.getOrDefault("auth_type", "md5"));

        Map<String, DatabaseTarget> databases = new LinkedHashMap<>();
        ini.section("databases").forEach((name, value) -> databases.put(name, database(name, value, warnings)));

        Map<String, UserEntry> users = new LinkedHashMap<>();
        String authFile = pgbouncer.get("auth_file");
        if (authFile != null) {
            Path authPath = iniPath.toAbsolutePath().getParent().resolve(authFile);
            UserlistFile.parse(Files.readString(authPath)).forEach((user, secret) -> users.put(user, userEntry(user, secret, authType)));
        } else if (authType != AuthType.TRUST) {
            warnings.add("[pgbouncer] auth_type " + authType.iniName() + " without auth_file: no client can log in");
        }
        ini.section("users").keySet().forEach(user -> warnings.add("[users] " + user + ": per-user settings are not supported yet and are ignored"));

        warnings.forEach(w -> LOG.warnf("%s: %s", iniPath.getFileName(), w));
        PoolerSettings settings = PoolerSettings.defaults(listenAddr, listenPort);
        return new Loaded(settings, new NodeConfig(authType, databases, users), List.copyOf(warnings));
    }

    private static DatabaseTarget database(String name, String value, List<String> warnings) {
        Map<String, String> params;
        try {
            params = ConnectionString.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[databases] " + name + ": " + e.getMessage());
        }
        params.keySet().stream().filter(k -> !SUPPORTED_DATABASE_KEYS.contains(k))
                .forEach(k -> warnings.add("[databases] " + name + ": " + k + " is not supported yet and is ignored"));
        int port = parseInt(params.getOrDefault("port", "5432"), "[databases] " + name + " port");
        List<HostAndPort> hosts = new ArrayList<>();
        // PgBouncer takes a comma-separated host list and tries hosts in order.
        for (String host : params.getOrDefault("host", "localhost").split(",")) {
            hosts.add(new HostAndPort(host.strip(), port));
        }
        return new DatabaseTarget(name, hosts, params.get("dbname"), params.get("user"), params.get("password"));
    }

    static UserEntry userEntry(String user, String secret, AuthType authType) {
        if (ScramVerifier.looksLikeVerifier(secret)) {
            return new UserEntry(user, ScramVerifier.parse(secret), null, null);
        }
        if (secret.length() == 35 && secret.startsWith("md5")) {
            return new UserEntry(user, null, secret, null);
        }
        ScramVerifier verifier = authType == AuthType.SCRAM_SHA_256
                ? ScramVerifier.fromPassword(secret, ScramVerifier.DEFAULT_ITERATIONS) : null;
        return new UserEntry(user, verifier, null, secret);
    }

    private static int parseInt(String value, String what) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + value + "' is not a number");
        }
    }
}
