package io.pgfleet.testkit;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.UserEntry;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A pooler node in front of a real PostgreSQL for feature tests: databases and users
 * created fresh on the server (unique names per node, so test classes can share one
 * PostgreSQL), [pgbouncer]-style settings given as a builder. Clients log in with
 * SCRAM-SHA-256, the node logs in to PostgreSQL with the same user's password.
 */
public final class TestNode implements AutoCloseable {
    public static final String PASSWORD = "pw-" + UUID.randomUUID();

    private final PostgresServer postgres;
    private final String database;
    private final List<String> databases;
    private final List<String> users;
    private final ConfigHolder config;
    private final Pooler pooler;

    private TestNode(PostgresServer postgres, List<String> databases, List<String> users, ConfigHolder config, Pooler pooler) {
        this.postgres = postgres;
        this.database = databases.get(0);
        this.databases = databases;
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
        return start(postgres, prefix, userSuffixes, List.of(), settings, UnaryOperator.identity(), process);
    }

    /**
     * A node with several users and databases on the shared PostgreSQL.
     *
     * @param extraDatabaseSuffixes more databases besides {@code <prefix>_db}, named {@code <prefix>_<suffix>};
     *                              every user may connect to every database
     * @param edit                  changes to the node's config after it is built (per-user or
     *                              per-database pool overrides, other targets)
     */
    public static TestNode start(String prefix, List<String> userSuffixes, List<String> extraDatabaseSuffixes,
                                 Consumer<PoolerConfig.Builder> settings, UnaryOperator<NodeConfig> edit) {
        return start(Postgres.shared(), prefix, userSuffixes, extraDatabaseSuffixes, settings, edit, s -> s);
    }

    private static TestNode start(PostgresServer postgres, String prefix, List<String> userSuffixes,
                                  List<String> extraDatabaseSuffixes, Consumer<PoolerConfig.Builder> settings,
                                  UnaryOperator<NodeConfig> edit, UnaryOperator<PoolerSettings> process) {
        List<String> databases = new ArrayList<>();
        databases.add(prefix + "_db");
        extraDatabaseSuffixes.forEach(d -> databases.add(prefix + "_" + d));
        List<String> users = userSuffixes.stream().map(s -> prefix + "_" + s).toList();
        postgres.execute("SET password_encryption = 'scram-sha-256'");
        for (String user : users) {
            postgres.execute("SET password_encryption = 'scram-sha-256'",
                    "CREATE ROLE " + user + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        for (String database : databases) {
            postgres.execute("CREATE DATABASE " + database + " OWNER " + users.get(0));
            for (String user : users) {
                postgres.execute("GRANT ALL ON DATABASE " + database + " TO " + user);
            }
        }
        ConfigHolder holder = new ConfigHolder(edit.apply(config(postgres, databases, users, settings)));
        try {
            Pooler pooler = Pooler.start(process.apply(PoolerSettings.defaults("127.0.0.1", 0)), holder);
            return new TestNode(postgres, databases, users, holder, pooler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static NodeConfig config(PostgresServer postgres, List<String> names, List<String> users,
                                     Consumer<PoolerConfig.Builder> settings) {
        PoolerConfig.Builder builder = PoolerConfig.DEFAULTS.toBuilder();
        settings.accept(builder);
        Map<String, DatabaseTarget> databases = new LinkedHashMap<>();
        for (String database : names) {
            databases.put(database,
                    new DatabaseTarget(database, List.of(new HostAndPort(postgres.host(), postgres.port())), database, null, null));
        }
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

    /** Replaces the node's config as a reload would (databases, users, overrides). */
    public void reconfigureNode(UnaryOperator<NodeConfig> edit) {
        config.replace(edit.apply(config.current()));
    }

    /** A config edit giving one user its own pool settings ([users] in pgbouncer.ini). */
    public static UnaryOperator<NodeConfig> userPool(String user, PoolOverrides overrides) {
        return c -> {
            Map<String, UserEntry> users = new LinkedHashMap<>(c.users());
            users.put(user, users.get(user).withPool(overrides));
            return new NodeConfig(c.authType(), c.databases(), users, c.pooler(), c.hba());
        };
    }

    /** A config edit giving one database its own pool settings (pool_size= etc. in [databases]). */
    public static UnaryOperator<NodeConfig> databasePool(String database, PoolOverrides overrides) {
        return c -> {
            Map<String, DatabaseTarget> databases = new LinkedHashMap<>(c.databases());
            DatabaseTarget t = databases.get(database);
            databases.put(database, new DatabaseTarget(t.name(), t.hosts(), t.dbname(), t.serverUser(), t.serverPassword(),
                    overrides, t.serverParameters()));
            return new NodeConfig(c.authType(), databases, c.users(), c.pooler(), c.hba());
        };
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

    /** {@code 0} is {@link #database()}, then the extra databases in the order given. */
    public String database(int index) {
        return databases.get(index);
    }

    public String user() {
        return users.get(0);
    }

    public String user(int index) {
        return users.get(index);
    }

    /**
     * pgjdbc URL for the node. prepareThreshold=1 makes pgjdbc use a named server-side
     * statement from a statement's first run, so every test also exercises the node's
     * prepared statements in transaction and statement mode.
     */
    public String url() {
        return url(database);
    }

    public String url(String databaseName) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + databaseName + "?sslmode=disable&prepareThreshold=1";
    }

    /** A pgjdbc connection through the node as the first user. */
    public Connection connect() throws SQLException {
        return connect(user(), new Properties());
    }

    public Connection connect(String user, Properties extra) throws SQLException {
        return connect(user, database, extra);
    }

    /** A pgjdbc connection through the node as a user to one of its databases. */
    public Connection connect(String user, String databaseName) throws SQLException {
        return connect(user, databaseName, new Properties());
    }

    public Connection connect(String user, String databaseName, Properties extra) throws SQLException {
        Properties properties = new Properties();
        properties.putAll(extra);
        properties.setProperty("user", user);
        properties.setProperty("password", PASSWORD);
        return DriverManager.getConnection(url(databaseName), properties);
    }

    /** Server connections PostgreSQL sees for this node's database (ours and nobody else's). */
    public int serverConnectionsSeenByPostgres() {
        return serverConnectionsSeenByPostgres(database);
    }

    /** Server connections PostgreSQL sees for one database. */
    public int serverConnectionsSeenByPostgres(String databaseName) {
        return countActivity("datname = '" + databaseName + "'");
    }

    /** Server connections PostgreSQL sees logged in as one user, in any database. */
    public int serverConnectionsOfUser(String user) {
        return countActivity("usename = '" + user + "'");
    }

    /** Backend pids PostgreSQL sees for this node's database. */
    public List<Integer> serverPids() {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery(
                     "SELECT pid FROM pg_stat_activity WHERE datname = '" + database + "' AND backend_type = 'client backend' ORDER BY pid")) {
            List<Integer> pids = new ArrayList<>();
            while (rs.next()) {
                pids.add(rs.getInt(1));
            }
            return pids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Terminates a backend as the superuser, as an operator or a failover would. */
    public void terminateBackend(int pid) {
        postgres.execute("SELECT pg_terminate_backend(" + pid + ")");
    }

    private int countActivity(String condition) {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE " + condition + " AND backend_type = 'client backend'")) {
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
