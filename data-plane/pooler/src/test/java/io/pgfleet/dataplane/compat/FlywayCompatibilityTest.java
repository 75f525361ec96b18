package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.testkit.TestNode;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.internal.license.VersionPrinter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real Flyway migrate and validate through a node in each pool mode: three versioned
 * migrations from src/test/resources/compat/flyway (a table with rows, a unique index, a
 * PL/pgSQL function), checked afterwards straight on PostgreSQL.
 *
 * <p>Flyway 10+ locks the schema history on PostgreSQL with a transaction-scoped
 * {@code pg_try_advisory_xact_lock} by default, so transaction mode needs no pinning; with
 * {@code flyway.postgresql.transactional.lock=false} it takes the session-level
 * {@code pg_try_advisory_lock} and the node pins the migrating connection until Flyway
 * unlocks. By default Flyway creates the schema history and runs each migration in a
 * transaction, which statement mode refuses; with {@code executeInTransaction=false} as well
 * it runs statement by statement and works there, pinned while it holds the lock.
 */
@Driver(value = "Flyway {version} (flyway-database-postgresql) on pgjdbc, prepareThreshold=1", notes = "Three versioned "
        + "migrations (a table with rows, a unique index, a PL/pgSQL function), then validate and a second migrate with "
        + "nothing to do. Flyway 10+ locks with pg_try_advisory_xact_lock by default, so transaction mode needs no pin; "
        + "for statement mode set executeInTransaction=false and postgresql.transactional.lock=false.")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlywayCompatibilityTest {
    private static ModeNodes nodes;

    @BeforeAll
    static void start() {
        Compat.driverVersion(VersionPrinter.getVersion());
        nodes = ModeNodes.start("compat_flyway");
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Order(1)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("migrate (table, index, function) and validate, default settings")
    void migrateAndValidate(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        RecordingDataSource ds = new RecordingDataSource(node);
        Flyway flyway = flyway(ds, "fw_default", Map.of());
        if (mode == PoolMode.STATEMENT) {
            expectStatementModeRefusal(node, "fw_default", flyway, ds);
            return;
        }
        long pinsBefore = pinsTotal(node);
        migrateAndCheck(node, flyway, "fw_default");
        assertThat(ds.errors()).isEmpty();
        if (mode == PoolMode.TRANSACTION) {
            assertThat(pinsTotal(node) - pinsBefore).as("pins while Flyway ran").isZero();
            Compat.note("not pinned: Flyway locks with pg_try_advisory_xact_lock");
        }
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("migrate and validate with postgresql.transactional.lock=false (session advisory lock)")
    void migrateWithSessionLock(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        RecordingDataSource ds = new RecordingDataSource(node);
        Flyway flyway = flyway(ds, "fw_session_lock", Map.of("flyway.postgresql.transactional.lock", "false"));
        if (mode == PoolMode.STATEMENT) {
            expectStatementModeRefusal(node, "fw_session_lock", flyway, ds);
            return;
        }
        long pinsBefore = pinsTotal(node);
        migrateAndCheck(node, flyway, "fw_session_lock");
        assertThat(ds.errors()).isEmpty();
        if (mode == PoolMode.TRANSACTION) {
            expectPinnedWhileLocked(node, pinsBefore);
        }
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("migrate and validate with executeInTransaction=false and postgresql.transactional.lock=false")
    void migrateWithoutTransactions(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        RecordingDataSource ds = new RecordingDataSource(node);
        Flyway flyway = flyway(ds, "fw_no_tx", Map.of(
                "flyway.executeInTransaction", "false",
                "flyway.postgresql.transactional.lock", "false"));
        long pinsBefore = pinsTotal(node);
        migrateAndCheck(node, flyway, "fw_no_tx");
        assertThat(ds.errors()).isEmpty();
        if (mode != PoolMode.SESSION) {
            expectPinnedWhileLocked(node, pinsBefore);
        }
    }

    private static Flyway flyway(RecordingDataSource ds, String schema, Map<String, String> more) {
        return Flyway.configure()
                .dataSource(ds.dataSource())
                .locations("classpath:compat/flyway")
                .schemas(schema)
                .configuration(more)
                .load();
    }

    /**
     * Flyway creates the schema history in a transaction: the node refuses it and closes the
     * connection, Flyway retries schema creation ten times, a second apart, on the closed
     * connection and then reports that. Nothing is migrated.
     */
    private static void expectStatementModeRefusal(TestNode node, String schema, Flyway flyway, RecordingDataSource ds)
            throws SQLException {
        assertThatThrownBy(flyway::migrate).isInstanceOf(FlywayException.class)
                .hasMessageContaining("This connection has been closed");
        ds.assertFirstErrorIsStatementModeRefusal();
        try (Connection direct = ModeNodes.direct(node);
             ResultSet rs = direct.createStatement().executeQuery("SELECT to_regnamespace('" + schema + "') IS NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("schema %s not created", schema).isTrue();
        }
        Compat.note(Compat.REFUSED_IN_STATEMENT_MODE + "; Flyway retries 10 times, then reports \"connection has been closed\"");
    }

    private static void expectPinnedWhileLocked(TestNode node, long pinsBefore) throws SQLException {
        PoolSessionStats stats = ModeNodes.stats(node);
        assertThat(stats.pinsTotal() - pinsBefore).as("pins while Flyway held pg_try_advisory_lock").isPositive();
        assertThat(stats.pinnedClients()).as("unpinned once Flyway unlocked and left").isZero();
        Compat.note("pinned while Flyway holds pg_try_advisory_lock");
    }

    private static void migrateAndCheck(TestNode node, Flyway flyway, String schema) throws SQLException {
        MigrateResult result = flyway.migrate();
        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isEqualTo(3);
        flyway.validate();
        assertThat(flyway.migrate().migrationsExecuted).as("a second migrate has nothing to do").isZero();

        try (Connection direct = ModeNodes.direct(node)) {
            List<String> history = new ArrayList<>();
            try (ResultSet rs = direct.createStatement().executeQuery(
                    "SELECT version || ':' || success FROM " + schema + ".flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
                while (rs.next()) {
                    history.add(rs.getString(1));
                }
            }
            assertThat(history).containsExactly("1:true", "2:true", "3:true");
            try (ResultSet rs = direct.createStatement().executeQuery(
                    "SELECT " + schema + ".total_balance(), to_regclass('" + schema + ".account_owner') IS NOT NULL")) {
                rs.next();
                assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("30");
                assertThat(rs.getBoolean(2)).as("index account_owner exists").isTrue();
            }
            try (ResultSet rs = direct.createStatement().executeQuery(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
                rs.next();
                assertThat(rs.getInt(1)).as("advisory locks left behind").isZero();
            }
        }
    }

    private static long pinsTotal(TestNode node) throws SQLException {
        PoolSessionStats stats = ModeNodes.stats(node);
        if (stats == null) {
            try (Connection c = node.connect()) {
                c.createStatement().execute("SELECT 1"); // the pool exists once a client used it
            }
            stats = ModeNodes.stats(node);
        }
        return stats.pinsTotal();
    }
}
