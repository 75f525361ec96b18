package io.pgfleet.e2e;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * One control-plane replica: {@code control-plane/target/quarkus-app/quarkus-run.jar} on its
 * own HTTP port, which also serves gRPC (h2c), against a PostgreSQL database that replicas
 * share. The admin token and the secrets key are passed in the environment.
 */
public final class ControlPlaneProcess extends JavaProcess {
    private final int port;
    private final Settings settings;

    /**
     * What replicas of one control plane share: its database and the secrets key (which must
     * be the same for all, or one replica cannot read what another encrypted), and the first
     * admin token.
     */
    public record Settings(String jdbcUrl, String dbUser, String dbPassword, String secretsKey, String adminToken) {
        /** A fresh secrets key (base64 of 32 random bytes) and admin token. */
        public static Settings generate(String jdbcUrl, String dbUser, String dbPassword) {
            return new Settings(jdbcUrl, dbUser, dbPassword, E2e.randomBase64(32), "e2e-admin-" + E2e.randomToken(24));
        }
    }

    public ControlPlaneProcess(String name, Path workDir, Settings settings) {
        this(name, workDir, settings, Ports.free());
    }

    private final Map<String, String> extraProperties = new java.util.LinkedHashMap<>();

    public ControlPlaneProcess(String name, Path workDir, Settings settings, int port) {
        super(name, workDir.resolve(name + ".log"));
        this.settings = settings;
        this.port = port;
    }

    @Override
    protected Path jar() {
        return E2e.controlPlaneJar();
    }

    /** Any other system property, e.g. {@code pgfleet.stats.interval}; before start(). */
    public ControlPlaneProcess property(String key, String value) {
        extraProperties.put(key, value);
        return this;
    }

    @Override
    protected Map<String, String> systemProperties() {
        Map<String, String> properties = ordered();
        properties.put("quarkus.http.host", "127.0.0.1");
        properties.put("quarkus.http.port", Integer.toString(port));
        properties.putAll(extraProperties);
        return properties;
    }

    @Override
    protected Map<String, String> environment() {
        Map<String, String> env = ordered();
        env.put("PGFLEET_DB_URL", settings.jdbcUrl());
        env.put("PGFLEET_DB_USER", settings.dbUser());
        env.put("PGFLEET_DB_PASSWORD", settings.dbPassword());
        env.put("PGFLEET_SECRETS_KEY", settings.secretsKey());
        // docs/control-plane.md: pgfleet.api.admin-token, from PGFLEET_ADMIN_TOKEN. The second
        // name is the property's own environment spelling, in case the mapping differs.
        env.put("PGFLEET_ADMIN_TOKEN", settings.adminToken());
        env.put("PGFLEET_API_ADMIN_TOKEN", settings.adminToken());
        return env;
    }

    @Override
    public URI readinessUri() {
        return URI.create(baseUrl() + "/q/health/ready");
    }

    @Override
    public ControlPlaneProcess start() {
        super.start();
        return this;
    }

    @Override
    public ControlPlaneProcess awaitReady(java.time.Duration within) {
        super.awaitReady(within);
        return this;
    }

    public int port() {
        return port;
    }

    /** http://127.0.0.1:port, without a trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** host:port for a node's {@code pgfleet.node.control-plane} (gRPC over h2c on the HTTP port). */
    public String grpcTarget() {
        return "127.0.0.1:" + port;
    }

    public Settings settings() {
        return settings;
    }

    /** A REST client of this replica holding the admin token. */
    public Api adminApi() {
        return new Api(baseUrl(), settings.adminToken());
    }
}
