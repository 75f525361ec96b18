package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.proto.v1.PoolScope;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.pgfleet.dataplane.agent.Resources.credential;
import static io.pgfleet.dataplane.agent.Resources.fleetPool;
import static io.pgfleet.dataplane.agent.Resources.key;
import static io.pgfleet.dataplane.agent.Resources.pool;
import static io.pgfleet.dataplane.agent.Resources.poolBody;
import static io.pgfleet.dataplane.agent.Resources.push;
import static io.pgfleet.dataplane.agent.Resources.route;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pushes applied to a running node (PushApplier on a real Pooler, as FleetNode wires them)
 * against a real PostgreSQL: what a client sees while the config changes under it.
 */
class ApplyKeepsClientsTest {
    private static final String USER = "applier";
    private static final String PASSWORD = "apply-secret";
    private static PostgresServer postgres;

    private ConfigHolder config;
    private PushApplier applier;
    private Pooler pooler;

    @BeforeAll
    static void databases() {
        postgres = Postgres.shared();
        postgres.createUserAndDatabase(USER, PASSWORD, "apply_db");
        postgres.execute("CREATE DATABASE apply_db2 OWNER " + USER);
    }

    @BeforeEach
    void node() throws InterruptedException {
        config = new ConfigHolder();
        applier = new PushApplier(config);
        pooler = Pooler.start(PoolerSettings.defaults("127.0.0.1", 0).withEventLoopThreads(2), config);
    }

    @AfterEach
    void stop() {
        pooler.close();
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + database
                + "?sslmode=disable", USER, PASSWORD);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Server connections PostgreSQL sees for the user in a database. */
    private static int backends(String database) throws SQLException {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '"
                     + USER + "' AND datname = '" + database + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int backendsQuietly(String database) {
        try {
            return backends(database);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private ConfigPush base(long generation, PoolMode mode, int databasePoolSize, String dbname) {
        return push(generation,
                fleetPool(1, mode, 20),
                credential(USER, 1, PASSWORD, ""),
                pool("database/app", generation, poolBody(PoolScope.DATABASE).setDefaultPoolSize(databasePoolSize)),
                upstream("app", generation, upstreamBody(postgres.host(), postgres.port(), dbname).setPool("database/app")));
    }

    @Test
    void aPoolSizeChangeKeepsTransactionsAndTheirBackendsAndTakesEffect() throws Exception {
        assertThat(applier.apply(base(1, PoolMode.TRANSACTION, 1, "apply_db"))).isEmpty();
        try (Connection inTransaction = connect("app")) {
            inTransaction.setAutoCommit(false);
            String pid = one(inTransaction, "SELECT pg_backend_pid()");
            assertThat(pooler.pools().serversOfDatabase("app")).isEqualTo(1);

            assertThat(applier.apply(push(2, pool("database/app", 2, poolBody(PoolScope.DATABASE).setDefaultPoolSize(3))))).isEmpty();

            assertThat(one(inTransaction, "SELECT pg_backend_pid()")).isEqualTo(pid);
            inTransaction.commit();

            // Three transactions at once now get three servers.
            List<Connection> clients = new ArrayList<>();
            try {
                clients.add(inTransaction);
                for (int i = 0; i < 2; i++) {
                    Connection c = connect("app");
                    c.setAutoCommit(false);
                    clients.add(c);
                }
                for (Connection c : clients) {
                    one(c, "SELECT 1");
                }
                assertThat(pooler.pools().serversOfDatabase("app")).isEqualTo(3);
                for (Connection c : clients) {
                    c.commit();
                }
            } finally {
                for (Connection c : clients.subList(1, clients.size())) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aChangedUpstreamDrainsIdleServersNowAndBusyOnesWhenReleased() throws Exception {
        assertThat(applier.apply(base(1, PoolMode.TRANSACTION, 4, "apply_db"))).isEmpty();
        try (Connection busy = connect("app"); Connection other = connect("app")) {
            busy.setAutoCommit(false);
            assertThat(one(busy, "SELECT current_database()")).isEqualTo("apply_db");
            assertThat(one(other, "SELECT current_database()")).isEqualTo("apply_db"); // its server is idle again
            assertThat(backends("apply_db")).isEqualTo(2);

            assertThat(applier.apply(base(2, PoolMode.TRANSACTION, 4, "apply_db2"))).isEmpty();

            // The idle server closes at once; the busy one serves its transaction to the end.
            Eventually.await(Duration.ofSeconds(5), "the idle server closes", () -> backendsQuietly("apply_db") == 1);
            assertThat(one(busy, "SELECT current_database()")).isEqualTo("apply_db");
            busy.commit();
            Eventually.await(Duration.ofSeconds(5), "the busy server closes once released", () -> backendsQuietly("apply_db") == 0);

            assertThat(one(busy, "SELECT current_database()")).isEqualTo("apply_db2");
            assertThat(one(other, "SELECT current_database()")).isEqualTo("apply_db2");
            busy.commit();
        }
    }

    @Test
    void aRemovedDatabaseGivesItsClients3D000() throws Exception {
        assertThat(applier.apply(base(1, PoolMode.TRANSACTION, 2, "apply_db"))).isEmpty();
        assertThat(applier.apply(push(2, route("sessions", 2, "app", "route/sessions", ""),
                pool("route/sessions", 2, poolBody(PoolScope.DATABASE).setMode(PoolMode.SESSION))))).isEmpty();
        try (Connection transactional = connect("app"); Connection session = connect("sessions")) {
            assertThat(one(transactional, "SELECT 1")).isEqualTo("1");
            assertThat(one(session, "SELECT 1")).isEqualTo("1");

            ConfigPush removal = ConfigPush.newBuilder().setGeneration(3)
                    .addRemovals(key(ResourceType.UPSTREAM, "app"))
                    .addRemovals(key(ResourceType.ROUTE, "sessions")).build();
            assertThat(applier.apply(removal)).isEmpty();

            assertThatThrownBy(() -> one(transactional, "SELECT 1")).isInstanceOf(PSQLException.class)
                    .satisfies(e -> assertThat(((PSQLException) e).getSQLState()).isEqualTo("3D000"))
                    .hasMessageContaining("database \"app\" no longer exists on this node");
            assertThatThrownBy(() -> one(session, "SELECT 1")).isInstanceOf(PSQLException.class)
                    .satisfies(e -> assertThat(((PSQLException) e).getSQLState()).isEqualTo("3D000"))
                    .hasMessageContaining("database \"sessions\" no longer exists on this node");
        }
        assertThatThrownBy(() -> connect("app")).isInstanceOf(PSQLException.class)
                .satisfies(e -> assertThat(((PSQLException) e).getSQLState()).isEqualTo("3D000"))
                .hasMessageContaining("database \"app\" does not exist");
        Eventually.await(Duration.ofSeconds(5), "the removed databases' servers close", () -> backendsQuietly("apply_db") == 0);
    }

    @Test
    void aPushWithOneBadResourceAppliesTheRestAndKeepsTheLastGoodRevision() throws Exception {
        assertThat(applier.apply(base(1, PoolMode.TRANSACTION, 2, "apply_db"))).isEmpty();
        List<Rejection> rejections = applier.apply(push(2,
                upstream("app", 2, upstreamBody(postgres.host(), 0, "apply_db2")),       // invalid: port 0
                upstream("second", 2, upstreamBody(postgres.host(), postgres.port(), "apply_db2")),
                route("lost", 2, "nowhere", "", ""),                                      // dangling
                route("report", 2, "app", "", "")));
        assertThat(rejections).extracting(r -> r.getKey().getName() + "@" + r.getRevision() + ": " + r.getReason())
                .containsExactlyInAnyOrder(
                        "app@2: upstream \"app\": port 0 is out of range 1-65535",
                        "lost@2: route \"lost\": upstream \"nowhere\" does not exist");
        try (Connection app = connect("app"); Connection second = connect("second"); Connection report = connect("report")) {
            assertThat(one(app, "SELECT current_database()")).isEqualTo("apply_db"); // revision 1
            assertThat(one(second, "SELECT current_database()")).isEqualTo("apply_db2");
            assertThat(one(report, "SELECT current_database()")).isEqualTo("apply_db");
        }
        assertThat(applier.held()).anySatisfy(h -> {
            assertThat(h.getKey()).isEqualTo(key(ResourceType.UPSTREAM, "app"));
            assertThat(h.getRevision()).isEqualTo(1);
        });

        // A route whose pushed revision dangles keeps the revision that was served.
        assertThat(applier.apply(push(3, route("report", 3, "gone", "", ""))))
                .extracting(Rejection::getReason).containsExactly("route \"report\": upstream \"gone\" does not exist");
        try (Connection report = connect("report")) {
            assertThat(one(report, "SELECT current_database()")).isEqualTo("apply_db");
        }
        // The upstream "lost" was waiting for arrives: the held route is served from now on.
        assertThat(applier.apply(push(4, upstream("nowhere", 4, upstreamBody(postgres.host(), postgres.port(), "apply_db2")))))
                .isEmpty();
        try (Connection lost = connect("lost")) {
            assertThat(one(lost, "SELECT current_database()")).isEqualTo("apply_db2");
        }
    }
}
