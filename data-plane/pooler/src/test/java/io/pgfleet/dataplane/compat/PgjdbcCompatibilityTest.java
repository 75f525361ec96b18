package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.DriverInfo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * pgjdbc through a node in each pool mode, with prepareThreshold=1 ({@link TestNode#url()}),
 * so every PreparedStatement is a named server-side statement from its first run. Each test
 * asserts what is right for its mode: what PostgreSQL itself would do, pinning where session
 * state must stay on one server, and in statement mode the documented 25001 refusal of
 * transaction blocks.
 */
@Driver(value = "pgjdbc {version}, prepareThreshold=1", notes = "prepareThreshold=1 makes every PreparedStatement a named "
        + "server-side statement (S_1, S_2, …) from its first run. The pgfleet_session_state=refuse row runs against nodes "
        + "with that setting; in session mode the setting does not apply.")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgjdbcCompatibilityTest {
    private static final String STATEMENT_MODE_REFUSAL = "transaction blocks are not allowed in statement pooling mode (pool_mode=statement)";

    /** pgfleet_session_state=pin, the default. */
    private static ModeNodes nodes;
    /** pgfleet_session_state=refuse. */
    private static ModeNodes refusing;

    @BeforeAll
    static void start() throws SQLException {
        Compat.driverVersion(DriverInfo.DRIVER_VERSION);
        nodes = ModeNodes.start("compat_jdbc");
        refusing = ModeNodes.start("compat_jdbcref", (mode, s) -> s.sessionState = SessionStatePolicy.REFUSE);
        for (PoolMode mode : PoolMode.values()) {
            try (Connection c = nodes.get(mode).connect(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA a_schema");
                s.execute("CREATE TABLE a_schema.where_am_i AS SELECT 'a_schema' AS schema");
                s.execute("CREATE TABLE public.where_am_i AS SELECT 'public' AS schema");
                s.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, note text NOT NULL)");
            }
        }
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
        if (refusing != null) {
            refusing.close();
        }
    }

    @Order(1)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Named server-side prepared statements, 10 concurrent connections over 2 servers")
    void namedPreparedStatements(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        // A statement prepared on one server runs on the other, where the node must prepare it.
        try (Connection a = node.connect(); Connection b = node.connect();
             PreparedStatement add = a.prepareStatement("SELECT pg_backend_pid(), ?::int + 1")) {
            int preparedOn = addOne(add, 41);
            try (BusyServer busy = BusyServer.occupy(node, b, 101)) {
                add.setInt(1, 99);
                try (ResultSet rs = add.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(2)).isEqualTo(100);
                    if (mode == PoolMode.SESSION) {
                        assertThat(rs.getInt(1)).as("a keeps its own server").isEqualTo(preparedOn);
                    } else {
                        assertThat(busy.pid()).as("b waits on the server a prepared on").isEqualTo(preparedOn);
                        assertThat(rs.getInt(1)).as("a ran on the other server").isNotEqualTo(preparedOn);
                    }
                }
            }
        }

        // Ten connections at once, each with pgjdbc's names S_1, S_2, S_3 for its statements;
        // S_2's text differs per connection, so a statement of another connection gives a wrong row.
        int connections = 10;
        int iterations = 30;
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Set<Integer>>> runs = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                int client = i;
                runs.add(pool.submit(() -> runConnection(node, client, iterations)));
            }
            Set<Integer> servers = new HashSet<>();
            for (Future<Set<Integer>> run : runs) {
                Set<Integer> seen = run.get(2, TimeUnit.MINUTES);
                if (mode == PoolMode.SESSION) {
                    assertThat(seen).as("a session-mode connection has one server").hasSize(1);
                }
                servers.addAll(seen);
            }
            assertThat(servers).hasSizeLessThanOrEqualTo(ModeNodes.POOL_SIZE);
        } finally {
            pool.shutdownNow();
        }
    }

    private static int addOne(PreparedStatement add, int n) throws SQLException {
        add.setInt(1, n);
        try (ResultSet rs = add.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(2)).isEqualTo(n + 1);
            return rs.getInt(1);
        }
    }

    /** Runs three named statements per iteration, checks every row, and returns the servers it ran on. */
    private static Set<Integer> runConnection(TestNode node, int client, int iterations) throws SQLException {
        Set<Integer> servers = new HashSet<>();
        try (Connection c = node.connect();
             PreparedStatement add = c.prepareStatement("SELECT pg_backend_pid(), ?::int + 1");
             PreparedStatement own = c.prepareStatement("SELECT pg_backend_pid(), ?::text || '@client" + client + "'");
             PreparedStatement pair = c.prepareStatement("SELECT pg_backend_pid(), ?::text || '-' || ?::text")) {
            for (int i = 0; i < iterations; i++) {
                int n = client * 1000 + i;
                servers.add(addOne(add, n));
                own.setInt(1, n);
                try (ResultSet rs = own.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(2)).isEqualTo(n + "@client" + client);
                    servers.add(rs.getInt(1));
                }
                pair.setInt(1, client);
                pair.setInt(2, n);
                try (ResultSet rs = pair.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(2)).isEqualTo(client + "-" + n);
                    servers.add(rs.getInt(1));
                }
            }
        }
        return servers;
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("SET search_path and statement_timeout stay with their connection")
    void setStaysWithItsConnection(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection a = node.connect(); Connection b = node.connect()) {
            String defaultSearchPath = scalar(b, "SHOW search_path");
            a.createStatement().execute("SET search_path TO a_schema, public");
            a.createStatement().execute("SET statement_timeout = '300ms'");
            int aServer = pid(a);

            // b, on the server a just left in transaction and statement mode, has none of it.
            if (mode != PoolMode.SESSION) {
                assertThat(pid(b)).as("b runs on a's last server").isEqualTo(aServer);
            }
            assertThat(scalar(b, "SHOW search_path")).isEqualTo(defaultSearchPath);
            assertThat(scalar(b, "SHOW statement_timeout")).isEqualTo("0");
            assertThat(scalar(b, "SELECT schema FROM where_am_i")).isEqualTo("public");

            // While b keeps that server busy, a runs on the other one with its settings.
            try (BusyServer busy = BusyServer.occupy(node, b, 102)) {
                if (mode != PoolMode.SESSION) {
                    assertThat(pid(a)).isNotEqualTo(busy.pid());
                }
                assertThat(scalar(a, "SHOW search_path")).isEqualTo("a_schema, public");
                assertThat(scalar(a, "SHOW statement_timeout")).isEqualTo("300ms");
                assertThat(scalar(a, "SELECT schema FROM where_am_i")).isEqualTo("a_schema");
                assertThatThrownBy(() -> scalar(a, "SELECT pg_sleep(10)"))
                        .as("a's statement_timeout cancels its 10 s sleep")
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
            }
            assertThat(scalar(b, "SHOW statement_timeout")).isEqualTo("0");
            assertThat(scalar(a, "SHOW statement_timeout")).isEqualTo("300ms");
        }
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("LISTEN/NOTIFY (PGConnection.getNotifications)")
    void listenNotify(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection listener = node.connect(); Connection other = node.connect()) {
            listener.createStatement().execute("LISTEN compat_channel");
            int listenerServer = pid(listener);
            expectPinned(mode, node, 1);
            for (int i = 0; i < 20; i++) {
                assertThat(pid(other)).as("another client never gets the listener's server").isNotEqualTo(listenerServer);
            }
            other.createStatement().execute("NOTIFY compat_channel, 'hello'");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertThat(got).extracting(PGNotification::getParameter).containsExactly("hello");
            assertThat(got[0].getPID()).as("sent by the other client's server").isNotEqualTo(listenerServer);
            assertThat(pid(listener)).isEqualTo(listenerServer);
            listener.createStatement().execute("UNLISTEN *");
            expectPinned(mode, node, 0);
        }
    }

    @Order(4)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Temporary table used across transactions")
    void temporaryTable(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.createStatement().execute("CREATE TEMP TABLE scratch (n int)");
            a.createStatement().execute("INSERT INTO scratch VALUES (1), (2)");
            int held = pid(a);
            expectPinned(mode, node, 1);
            for (int i = 0; i < 10; i++) {
                assertThat(pid(b)).isNotEqualTo(held);
                assertThat(scalar(b, "SELECT to_regclass('pg_temp.scratch')::text")).as("b has no scratch").isNull();
            }
            a.createStatement().execute("INSERT INTO scratch VALUES (3)");
            assertThat(scalar(a, "SELECT sum(n) FROM scratch")).isEqualTo("6");
            assertThat(pid(a)).isEqualTo(held);
            a.createStatement().execute("DROP TABLE scratch");
            expectPinned(mode, node, 0);
        }
    }

    @Order(5)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Session advisory lock (pg_advisory_lock … pg_advisory_unlock)")
    void sessionAdvisoryLock(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection a = node.connect(); Connection b = node.connect()) {
            assertThat(scalar(a, "SELECT pg_advisory_lock(4242)::text")).isEmpty();
            int held = pid(a);
            expectPinned(mode, node, 1);
            for (int i = 0; i < 5; i++) {
                assertThat(pid(b)).isNotEqualTo(held);
                assertThat(scalar(b, "SELECT pg_try_advisory_lock(4242)")).as("b cannot take a's lock").isEqualTo("f");
            }
            assertThat(scalar(a, "SELECT pg_advisory_unlock(4242)")).as("a releases it, on the server that holds it").isEqualTo("t");
            expectPinned(mode, node, 0);
            assertThat(scalar(b, "SELECT pg_try_advisory_lock(4242)")).isEqualTo("t");
            assertThat(scalar(b, "SELECT pg_advisory_unlock(4242)")).isEqualTo("t");
        }
    }

    @Order(6)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("SQL PREPARE / EXECUTE / DEALLOCATE")
    void sqlPrepare(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.createStatement().execute("PREPARE doubled(int) AS SELECT $1 * 2");
            int held = pid(a);
            expectPinned(mode, node, 1);
            assertThat(pid(b)).isNotEqualTo(held);
            assertThatThrownBy(() -> b.createStatement().execute("EXECUTE doubled(1)"))
                    .as("b has no doubled").isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("26000"));
            assertThat(scalar(a, "EXECUTE doubled(21)")).isEqualTo("42");
            a.createStatement().execute("DEALLOCATE doubled");
            expectPinned(mode, node, 0);
        }
    }

    @Order(7)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Cursor DECLARE … WITH HOLD, fetched across transactions")
    void withHoldCursor(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.createStatement().execute("DECLARE held CURSOR WITH HOLD FOR SELECT generate_series(1, 3)");
            int held = pid(a);
            expectPinned(mode, node, 1);
            assertThat(scalar(a, "FETCH held")).isEqualTo("1");
            assertThat(pid(b)).isNotEqualTo(held);
            assertThat(scalar(a, "FETCH held")).isEqualTo("2");
            assertThat(scalar(a, "FETCH held")).isEqualTo("3");
            a.createStatement().execute("CLOSE held");
            expectPinned(mode, node, 0);
        }
    }

    @Order(8)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("LISTEN, temp tables, advisory locks, PREPARE, WITH HOLD under pgfleet_session_state=refuse")
    void refusePolicy(PoolMode mode) throws Exception {
        TestNode node = refusing.get(mode);
        String[][] cases = {
                {"LISTEN refused_channel", "UNLISTEN refused_channel", "LISTEN"},
                {"CREATE TEMP TABLE refused_temp (x int)", "DROP TABLE refused_temp", "temporary tables"},
                {"SELECT pg_advisory_lock(7)", "SELECT pg_advisory_unlock(7)", "session-level advisory locks"},
                {"PREPARE refused_plan AS SELECT 1", "DEALLOCATE refused_plan", "PREPARE"},
                {"DECLARE refused_cursor CURSOR WITH HOLD FOR SELECT 1", "CLOSE refused_cursor", "WITH HOLD cursors"},
        };
        try (Connection c = node.connect()) {
            for (String[] refused : cases) {
                if (mode == PoolMode.SESSION) {
                    // Session mode passes everything through: the setting does not apply.
                    c.createStatement().execute(refused[0]);
                    c.createStatement().execute(refused[1]);
                } else {
                    assertThatThrownBy(() -> c.createStatement().execute(refused[0]))
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo("0A000");
                                assertThat(e.getMessage()).contains(refused[2] + " is not supported").contains("pgfleet_session_state");
                            });
                }
                assertThat(scalar(c, "SELECT 'still usable'")).isEqualTo("still usable");
            }
            assertThat(scalar(c, "SELECT count(*) FROM pg_listening_channels()")).isEqualTo("0");
        }
        if (mode != PoolMode.SESSION) {
            assertThat(ModeNodes.stats(node).pinnedClients()).isZero();
            Compat.note(Compat.REFUSED_BY_POLICY);
        }
    }

    @Order(9)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("executeBatch with generated keys (INSERT … RETURNING)")
    void batchWithGeneratedKeys(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        try (Connection c = node.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO ledger (note) VALUES (?)", new String[]{"id"})) {
            for (int i = 0; i < 50; i++) {
                insert.setString(1, "batch-" + i);
                insert.addBatch();
            }
            int[] counts = insert.executeBatch();
            assertThat(counts).hasSize(50).containsOnly(1);
            List<Long> ids = new ArrayList<>();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                while (keys.next()) {
                    ids.add(keys.getLong(1));
                }
            }
            assertThat(ids).hasSize(50).doesNotHaveDuplicates().isSorted();
            try (Connection direct = ModeNodes.direct(node);
                 ResultSet rs = direct.createStatement().executeQuery(
                         "SELECT count(*), min(id), max(id) FROM ledger WHERE note LIKE 'batch-%'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(50);
                assertThat(rs.getLong(2)).isEqualTo(ids.get(0));
                assertThat(rs.getLong(3)).isEqualTo(ids.get(49));
            }
        }
    }

    @Order(10)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Transactions with setAutoCommit(false): commit and rollback")
    void transactions(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        if (mode == PoolMode.STATEMENT) {
            expectStatementModeRefusal(node, c -> c.createStatement().execute("INSERT INTO ledger (note) VALUES ('never')"));
            assertThat(directCount(node, "note = 'never'")).isZero();
            return;
        }
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.setAutoCommit(false);
            a.createStatement().execute("INSERT INTO ledger (note) VALUES ('committed')");
            int held = pid(a);
            for (int i = 0; i < 5; i++) {
                assertThat(pid(b)).as("a holds its server until it commits").isNotEqualTo(held);
                assertThat(scalar(b, "SELECT count(*) FROM ledger WHERE note = 'committed'")).isEqualTo("0");
            }
            assertThat(pid(a)).isEqualTo(held);
            a.commit();
            assertThat(scalar(b, "SELECT count(*) FROM ledger WHERE note = 'committed'")).isEqualTo("1");

            a.createStatement().execute("INSERT INTO ledger (note) VALUES ('rolled back')");
            a.rollback();
            a.setAutoCommit(true);
            assertThat(scalar(b, "SELECT count(*) FROM ledger WHERE note = 'rolled back'")).isEqualTo("0");
        }
    }

    @Order(11)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Savepoints: rollback to savepoint after an error")
    void savepoints(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        if (mode == PoolMode.STATEMENT) {
            expectStatementModeRefusal(node, c -> {
                c.createStatement().execute("INSERT INTO ledger (note) VALUES ('sp-never')");
                c.setSavepoint();
            });
            assertThat(directCount(node, "note = 'sp-never'")).isZero();
            return;
        }
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO ledger (note) VALUES ('sp-1')");
            Savepoint beforeError = c.setSavepoint();
            assertThatThrownBy(() -> c.createStatement().execute("INSERT INTO ledger (note) VALUES (NULL)"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23502"));
            c.rollback(beforeError);
            Savepoint second = c.setSavepoint("second");
            c.createStatement().execute("INSERT INTO ledger (note) VALUES ('sp-undone')");
            c.rollback(second);
            c.createStatement().execute("INSERT INTO ledger (note) VALUES ('sp-2')");
            c.commit();
        }
        try (Connection direct = ModeNodes.direct(node);
             ResultSet rs = direct.createStatement().executeQuery(
                     "SELECT string_agg(note, ',' ORDER BY id) FROM ledger WHERE note LIKE 'sp-%'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("sp-1,sp-2");
        }
    }

    @Order(12)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Cursor-based fetch with setFetchSize (autoCommit=false)")
    void fetchSize(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        if (mode == PoolMode.STATEMENT) {
            expectStatementModeRefusal(node, c -> {
                Statement s = c.createStatement();
                s.setFetchSize(10);
                s.executeQuery("SELECT generate_series(1, 100)").next();
            });
            return;
        }
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.setAutoCommit(false);
            Statement s = a.createStatement();
            s.setFetchSize(10);
            long sum = 0;
            int rows = 0;
            try (ResultSet rs = s.executeQuery("SELECT generate_series(1, 100)")) {
                while (rs.next()) {
                    sum += rs.getInt(1);
                    rows++;
                    if (rows % 25 == 0) {
                        assertThat(scalar(b, "SELECT 1")).isEqualTo("1"); // others run meanwhile
                    }
                }
            }
            a.commit();
            assertThat(rows).isEqualTo(100);
            assertThat(sum).isEqualTo(5050);
        }
    }

    @Order(13)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Cached prepared SELECT * after ALTER TABLE (\"cached plan must not change result type\")")
    void preparedStatementAfterDdl(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        Properties login = new Properties();
        login.setProperty("user", node.user());
        login.setProperty("password", TestNode.PASSWORD);
        String directUrl = node.postgres().jdbcUrl(node.database()) + "?sslmode=disable&prepareThreshold=1";
        String direct;
        try (Connection a = DriverManager.getConnection(directUrl, login); Connection ddl = DriverManager.getConnection(directUrl, login)) {
            direct = cachedPlanScenario(a, ddl, "ddl_direct");
        }
        String pooled;
        try (Connection a = node.connect(); Connection ddl = node.connect()) {
            pooled = cachedPlanScenario(a, ddl, "ddl_pooled");
        }
        assertThat(direct).as("against PostgreSQL directly").isEqualTo("id,name: 1|one / id,name,extra: 1|one|x");
        assertThat(pooled).as("through the node").isEqualTo(direct);
    }

    /** Runs a cached named SELECT *, adds a column, runs it again; what each run returned (pgjdbc re-prepares on 0A000). */
    private static String cachedPlanScenario(Connection a, Connection ddl, String table) throws SQLException {
        ddl.createStatement().execute("DROP TABLE IF EXISTS " + table);
        ddl.createStatement().execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)");
        ddl.createStatement().execute("INSERT INTO " + table + " VALUES (1, 'one')");
        try (PreparedStatement select = a.prepareStatement("SELECT * FROM " + table + " WHERE id = ?")) {
            String before = run(select);
            assertThat(run(select)).isEqualTo(before);
            ddl.createStatement().execute("ALTER TABLE " + table + " ADD COLUMN extra text DEFAULT 'x'");
            return before + " / " + run(select);
        }
    }

    private static String run(PreparedStatement select) throws SQLException {
        select.setInt(1, 1);
        try (ResultSet rs = select.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            List<String> values = new ArrayList<>();
            rs.next();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnName(i));
                values.add(rs.getString(i));
            }
            return String.join(",", columns) + ": " + String.join("|", values);
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    /** In transaction and statement mode the client must be pinned ({@code 1}) or not any more ({@code 0}). */
    private static void expectPinned(PoolMode mode, TestNode node, int pinned) {
        if (mode == PoolMode.SESSION) {
            return;
        }
        assertThat(ModeNodes.stats(node).pinnedClients()).as("clients pinned").isEqualTo(pinned);
        if (pinned > 0) {
            Compat.note(Compat.PINNED);
        }
    }

    interface SqlAction {
        void run(Connection c) throws SQLException;
    }

    /** With autoCommit off, the first statement opens a transaction block: the node ends the connection with 25001. */
    private static void expectStatementModeRefusal(TestNode node, SqlAction action) throws SQLException {
        try (Connection c = node.connect()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> action.run(c))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("25001");
                        assertThat(e.getMessage()).contains(STATEMENT_MODE_REFUSAL);
                    });
            assertThat(c.isValid(5)).as("the node closed the connection").isFalse();
        }
        Compat.note(Compat.REFUSED_IN_STATEMENT_MODE);
    }

    private static long directCount(TestNode node, String condition) throws SQLException {
        try (Connection direct = ModeNodes.direct(node);
             ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM ledger WHERE " + condition)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static int pid(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SELECT pg_backend_pid()"));
    }

    /** Through a named server-side statement (prepareThreshold=1), as applications run queries. */
    static String scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
