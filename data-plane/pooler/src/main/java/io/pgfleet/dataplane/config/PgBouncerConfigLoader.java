package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.auth.ScramVerifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a standalone node's config from PgBouncer's own files: {@code pgbouncer.ini}, the
 * {@code auth_file} and the {@code auth_hba_file} it names. Settings the node does not act
 * on are listed in the warnings with the reason, never silently dropped; values it cannot
 * read fail the load with an {@link IllegalArgumentException} naming section, key and value
 * (never a password). Derives SCRAM verifiers from plaintext passwords here, once, so no
 * PBKDF2 runs when clients log in. Logs nothing: the caller decides where warnings go.
 */
public final class PgBouncerConfigLoader {
    private static final Set<String> SECTIONS = Set.of("pgbouncer", "databases", "users");

    /** The result of a load: the process settings, what the node serves, and what it ignored. */
    public record Loaded(PoolerSettings settings, NodeConfig config, List<String> warnings) {
        public Loaded {
            warnings = List.copyOf(warnings);
        }
    }

    private PgBouncerConfigLoader() {
    }

    public static Loaded load(Path iniPath) throws IOException {
        return parse(Files.readString(iniPath), iniPath.toAbsolutePath().getParent());
    }

    /**
     * Reads ini text as if it were a file in {@code baseDir}; relative {@code auth_file}
     * and {@code auth_hba_file} paths are resolved against it.
     */
    public static Loaded parse(String iniText, Path baseDir) throws IOException {
        IniFile ini = IniFile.parse(iniText);
        List<String> warnings = new ArrayList<>(ini.problems());
        ini.sections().keySet().stream().filter(s -> !SECTIONS.contains(s)).forEach(s -> warnings.add("[" + s + "]: "
                + ("peers".equals(s) ? "not supported yet: fleet nodes route cancel requests by node slot" : "unknown section")
                + " (ignored)"));

        PgBouncerSection pgbouncer = PgBouncerSection.read(ini.section("pgbouncer"), warnings);
        Map<String, DatabaseTarget> databases = DatabasesSection.read(ini.section("databases"), warnings);
        Map<String, PoolOverrides> userSettings = UsersSection.read(ini.section("users"), warnings);

        Map<String, UserEntry> users = new LinkedHashMap<>();
        for (Map.Entry<String, String> line : readAuthFile(pgbouncer, baseDir, warnings).entrySet()) {
            try {
                users.put(line.getKey(), userEntry(line.getKey(), line.getValue(), pgbouncer.authType()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("auth_file: user " + line.getKey() + ": " + e.getMessage());
            }
        }
        // A [users] entry without an auth_file line still carries its pool settings; with no
        // secret, it cannot log in by password, as in PgBouncer.
        userSettings.forEach((name, pool) -> users.merge(name, new UserEntry(name, null, null, null, pool),
                (fromAuthFile, settingsOnly) -> fromAuthFile.withPool(pool)));

        HbaRules hba = readHba(pgbouncer, baseDir, warnings);
        NodeConfig config = new NodeConfig(pgbouncer.authType(), databases, users, pgbouncer.pooler(), hba);
        return new Loaded(pgbouncer.settings(), config, warnings);
    }

    private static Map<String, String> readAuthFile(PgBouncerSection pgbouncer, Path baseDir, List<String> warnings)
            throws IOException {
        if (pgbouncer.authFile() == null) {
            if (pgbouncer.authType() != AuthType.TRUST) {
                warnings.add("[pgbouncer] auth_file: not set, so no client can log in with auth_type "
                        + (pgbouncer.hbaAuth() ? "hba" : pgbouncer.authType().iniName()));
            }
            return Map.of();
        }
        Path path = baseDir.resolve(pgbouncer.authFile());
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            // PgBouncer starts without it too and only fails logins; a reload picks the file up
            warnings.add("[pgbouncer] auth_file: " + path + " does not exist; no user can log in until it does");
            return Map.of();
        }
        try {
            return UserlistFile.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage());
        }
    }

    private static HbaRules readHba(PgBouncerSection pgbouncer, Path baseDir, List<String> warnings) throws IOException {
        if (!pgbouncer.hbaAuth()) {
            if (pgbouncer.authHbaFile() != null) {
                warnings.add("[pgbouncer] auth_hba_file: used only with auth_type = hba (ignored)");
            }
            return HbaRules.NONE;
        }
        String fallback = "; every client authenticates with md5 (or SCRAM where auth_file holds a SCRAM secret)";
        if (pgbouncer.authHbaFile() == null) {
            warnings.add("[pgbouncer] auth_type: hba without auth_hba_file" + fallback);
            return HbaRules.NONE;
        }
        Path path = baseDir.resolve(pgbouncer.authHbaFile());
        try {
            return HbaRules.parse(Files.readString(path));
        } catch (NoSuchFileException e) {
            warnings.add("[pgbouncer] auth_hba_file: " + path + " does not exist" + fallback);
        } catch (UnsupportedOperationException e) {
            warnings.add("[pgbouncer] auth_hba_file: not supported yet" + fallback);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage());
        }
        return HbaRules.NONE;
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
}
