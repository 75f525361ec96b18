package io.pgfleet.testkit;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.UserEntry;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A pooler node in front of a real PostgreSQL for feature tests: one database and users
 * created fresh on the server (unique names per node, so test classes can share one
 * PostgreSQL), [pgbouncer]-style settings given as a builder. Clients log in with
 * SCRAM-SHA-256, the node logs in to PostgreSQL with the same user's password.
 */
public final class TestNode implements AutoCloseable {
    public static final String PASSWORD = "pw-" + UUID.randomUUID();

    private final PostgresServer postgres;
    private final String database;
    private final List<String> users;
    private final ConfigHolder config;
    private final Pooler pooler;

    private TestNode(PostgresServer postgres, String database, List<String> users, ConfigHolder config, Pooler pooler) {
        this.postgres = postgres;
        this.database = database;
        this.users = users;
        this.config = config;
        this.pooler = pooler;
    }

    /** A node with one database and one user ({@code <prefix>_user}) on the shared PostgreSQL. */
    public static TestNode start(String prefix, Consumer<PoolerConfig.Builder> settings) {
        return start(Postgres.shared(), prefix, List.of("user"), settings, s -> s);
    }

    /**
     * @param userSuffixes users to create, named {@code <prefix>_<suffix>}, all with {@link #PASSWORD}
     */
    public static TestNode start(PostgresServer postgres, String prefix, List<String> userSuffixes,
                                 Consumer<PoolerConfig.Builder> settings,
                                 java.util.function.UnaryOperator<PoolerSettings> process) {
        String database = prefix + "_db";
        List<String> users = userSuffixes.stream().map(s -> prefix + "_" + s).toList();
        postgres.execute("SET password_encryption = 'scram-sha-256'");
        for (String user : users) {
            postgres.execute("SET password_encryption = 'scram-sha-256'",
                    "CREATE ROLE " + user + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        postgres.execute("CREATE DATABASE " + database + " OWNER " + users.get(0));
        for (String user : users) {
            postgres.execute("GRANT ALL ON DATABASE " + database + " TO " + user);
        }
        ConfigHolder holder = new ConfigHolder(config(postgres, database, users, settings));
        try {
            Pooler pooler = Pooler.start(process.apply(PoolerSettings.defaults("127.0.0.1", 0)), holder);
            return new TestNode(postgres, database, users, holder, pooler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static NodeConfig config(PostgresServer postgres, String database, List<String> users,
                                     Consumer<PoolerConfig.Builder> settings) {
        PoolerConfig.Builder builder = PoolerConfig.DEFAULTS.toBuilder();
        settings.accept(builder);
        Map<String, DatabaseTarget> databases = Map.of(database,
                new DatabaseTarget(database, List.of(new HostAndPort(postgres.host(), postgres.port())), database, null, null));
        Map<String, UserEntry> entries = new LinkedHashMap<>();
        for (String user : users) {
            entries.put(user, new UserEntry(user, ScramVerifier.fromPassword(PASSWORD, 4096), null, PASSWORD));
        }
        return new NodeConfig(AuthType.SCRAM_SHA_256, databases, entries, builder.build(), null);
    }

    /** Changes settings as a reload would. */
    public void reconfigure(Consumer<PoolerConfig.Builder> settings) {
        PoolerConfig.Builder builder = config.current().pooler().toBuilder();
        settings.accept(builder);
        config.replace(config.current().withPooler(builder.build()));
    }

    public ConfigHolder config() {
        return config;
    }

    public Pooler pooler() {
        return pooler;
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public int port() {
        return pooler.port();
    }

    public String database() {
        return database;
    }

    public String user() {
        return users.get(0);
    }

    public String user(int index) {
        return users.get(index);
    }

    /**
     * pgjdbc URL for the node. prepareThreshold=0 keeps pgjdbc off named server-side
     * statements, which transaction pooling cannot carry yet (issue 4 adds that).
     */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?sslmode=disable&prepareThreshold=0";
    }

    /** A pgjdbc connection through the node as the first user. */
    public Connection connect() throws SQLException {
        return connect(user(), new Properties());
    }

    public Connection connect(String user, Properties extra) throws SQLException {
        Properties properties = new Properties();
        properties.putAll(extra);
        properties.setProperty("user", user);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection(url(), properties);
    }

    /** Server connections PostgreSQL sees for this node's database (ours and nobody else's). */
    public int serverConnectionsSeenByPostgres() {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database + "' AND backend_type = 'client backend'")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pooler.close();
    }
}
