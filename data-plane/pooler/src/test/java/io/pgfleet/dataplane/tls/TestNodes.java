package io.pgfleet.dataplane.tls;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HbaRules;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.dataplane.config.UserEntry;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Builds node configs for the TLS and authentication tests, which swap them between cases. */
final class TestNodes {
    private TestNodes() {
    }

    /** A user the node knows with its plaintext password: every method can use it, and it logs in to servers. */
    static UserEntry user(String name, String password) {
        return new UserEntry(name, ScramVerifier.fromPassword(password, ScramVerifier.DEFAULT_ITERATIONS), null, password);
    }

    static TlsSettings tls(TlsMode mode, Path cert, Path key, Path ca) {
        return new TlsSettings(mode, cert == null ? null : cert.toString(), key == null ? null : key.toString(),
                ca == null ? null : ca.toString(), "secure", "default");
    }

    static NodeConfig config(AuthType authType, List<DatabaseTarget> databases, List<UserEntry> users,
                             TlsSettings clientTls, TlsSettings serverTls, boolean allowPlainWithoutTls, HbaRules hba) {
        PoolerConfig.Builder pooler = PoolerConfig.DEFAULTS.toBuilder();
        pooler.clientTls = clientTls;
        pooler.serverTls = serverTls;
        pooler.allowPlainWithoutTls = allowPlainWithoutTls;
        Map<String, DatabaseTarget> byName = databases.stream().collect(Collectors.toMap(DatabaseTarget::name, Function.identity()));
        Map<String, UserEntry> usersByName = users.stream().collect(Collectors.toMap(UserEntry::name, Function.identity()));
        return new NodeConfig(authType, byName, usersByName, pooler.build(), hba);
    }

    static List<UserEntry> users(UserEntry... users) {
        return Arrays.asList(users);
    }

    static Pooler start(ConfigHolder config) throws InterruptedException {
        return Pooler.start(PoolerSettings.defaults("127.0.0.1", 0), config);
    }
}
