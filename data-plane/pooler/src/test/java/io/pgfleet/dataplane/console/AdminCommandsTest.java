package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The console's commands that change things, with real clients: pgjdbc clients of a node in
 * transaction mode, and pgjdbc on the console (simple protocol) issuing PAUSE, RESUME,
 * DISABLE, ENABLE, KILL, KILL_CLIENT, RECONNECT, WAIT_CLOSE, RELOAD and SHUTDOWN. Waits are
 * bounded: a command that should wait is checked to be still waiting after a while, and one
 * that should finish must do so within seconds.
 */
class AdminCommandsTest {
    /** How long a waiting command or query is watched to be sure it waits. */
    private static final long STILL_WAITING_MILLIS = 700;
    private static final long DONE_WITHIN_SECONDS = 15;

    private static TestNode node;
    private static String admin;
    private static String stats;
    private static String app;
    private static ExecutorService background;

    @BeforeAll
    static void start() {
        node = TestNode.start("cmds", List.of("admin", "stats", "app"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.adminUsers = List.of("cmds_admin");
            s.statsUsers = List.of("cmds_stats");
        }, c -> c);
        admin = node.user(0);
        stats = node.user(1);
        app = node.user(2);
        background = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() {
        background.shutdownNow();
        if (node != null) {
            node.close();
        }
    }

    /** Every test leaves the node as it found it: nothing paused or disabled. */
    @AfterEach
    void resumeAndEnable() throws SQLException {
        try (Connection console = console(admin)) {
            for (String sql : List.of("RESUME", "ENABLE " + node.database())) {
                try {
                    execute(console, sql);
                } catch (SQLException e) {
                    assertThat(e.getMessage()).contains("not paused");
                }
            }
        }
    }

    @Test
    void pauseMakesANewTransactionWaitAndResumeLetsItFinish() throws Exception {
        try (Connection client = node.connect(app, new Properties()); Connection console = console(admin)) {
            assertThat(selectOne(client)).isEqualTo(1);
            assertThat(execute(console, "PAUSE")).isEqualTo(0);
            assertThat(row(console, "SHOW STATE", "key", "paused")).containsEntry("value", "yes");
            assertThat(row(console, "SHOW DATABASES", "name", node.database())).containsEntry("paused", "1");
            // PAUSE answered only once the pool's servers were gone
            assertThat(row(console, "SHOW POOLS", "user", app)).containsEntry("sv_idle", "0").containsEntry("sv_active", "0");

            CompletableFuture<Integer> query = CompletableFuture.supplyAsync(() -> selectOneUnchecked(client), background);
            Thread.sleep(STILL_WAITING_MILLIS);
            assertThat(query).as("a new transaction waits while paused").isNotDone();
            assertThat(row(console, "SHOW POOLS", "user", app)).containsEntry("cl_waiting", "1");

            assertThat(execute(console, "RESUME")).isEqualTo(0);
            assertThat(query.get(DONE_WITHIN_SECONDS, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(row(console, "SHOW STATE", "key", "active")).containsEntry("value", "yes");
        }
    }

    @Test
    void pauseWaitsForAnOpenTransactionToEndBeforeAnswering() throws Exception {
        try (Connection client = node.connect(app, new Properties()); Connection console = console(admin)) {
            client.setAutoCommit(false);
            assertThat(selectOne(client)).isEqualTo(1); // holds a server inside a transaction

            CompletableFuture<Integer> pause = CompletableFuture.supplyAsync(() -> executeUnchecked(console, "PAUSE " + node.database()),
                    background);
            Thread.sleep(STILL_WAITING_MILLIS);
            assertThat(pause).as("PAUSE answers only after the open transaction").isNotDone();

            client.commit();
            assertThat(pause.get(DONE_WITHIN_SECONDS, TimeUnit.SECONDS)).isEqualTo(0);
            try (Connection other = console(admin)) {
                assertThat(row(other, "SHOW DATABASES", "name", node.database())).containsEntry("paused", "1");
                assertThat(row(other, "SHOW STATE", "key", "paused")).as("only the database is paused").containsEntry("value", "no");
                execute(other, "RESUME " + node.database());
            }
            assertThat(selectOne(client)).isEqualTo(1);
            client.commit();
        }
    }

    @Test
    void disableRefusesNewLoginsAndEnableAllowsThem() throws Exception {
        try (Connection console = console(admin)) {
            execute(console, "DISABLE " + node.database());
            assertThat(row(console, "SHOW DATABASES", "name", node.database())).containsEntry("disabled", "1");
            assertThatThrownBy(() -> node.connect(app, new Properties()).close()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("database \"" + node.database() + "\" is disabled")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08P01"));

            execute(console, "ENABLE " + node.database());
            assertThat(row(console, "SHOW DATABASES", "name", node.database())).containsEntry("disabled", "0");
            try (Connection client = node.connect(app, new Properties())) {
                assertThat(selectOne(client)).isEqualTo(1);
            }
        }
    }

    @Test
    void killDropsTheDatabasesClientsAndPausesIt() throws Exception {
        try (Connection client = node.connect(app, new Properties()); Connection console = console(admin)) {
            assertThat(selectOne(client)).isEqualTo(1);
            execute(console, "KILL " + node.database());
            assertThatThrownBy(() -> selectOne(client)).isInstanceOf(SQLException.class);
            assertThat(client.isValid(2)).isFalse();
            assertThat(row(console, "SHOW DATABASES", "name", node.database())).containsEntry("paused", "1")
                    .containsEntry("current_client_connections", "0");
            execute(console, "RESUME " + node.database());
        }
        try (Connection again = node.connect(app, new Properties())) {
            assertThat(selectOne(again)).isEqualTo(1);
        }
    }

    @Test
    void killClientClosesExactlyThatClient() throws Exception {
        Properties victimProps = new Properties();
        victimProps.setProperty("ApplicationName", "victim");
        Properties bystanderProps = new Properties();
        bystanderProps.setProperty("ApplicationName", "bystander");
        try (Connection victim = node.connect(app, victimProps); Connection bystander = node.connect(app, bystanderProps);
             Connection console = console(admin)) {
            assertThat(selectOne(victim)).isEqualTo(1);
            assertThat(selectOne(bystander)).isEqualTo(1);
            String id = row(console, "SHOW CLIENTS", "application_name", "victim").get("id");

            execute(console, "KILL_CLIENT " + id);
            assertThatThrownBy(() -> selectOne(victim)).isInstanceOf(SQLException.class);
            assertThat(selectOne(bystander)).isEqualTo(1);
            assertThat(rows(console, "SHOW CLIENTS")).noneMatch(r -> "victim".equals(r.get("application_name")));

            assertThatThrownBy(() -> execute(console, "KILL_CLIENT " + id)).hasMessageContaining("client not found");
            assertThatThrownBy(() -> execute(console, "KILL_CLIENT nonsense"))
                    .hasMessageContaining("invalid client pointer supplied");
        }
    }

    @Test
    void reconnectClosesTheServerWhenReleasedAndWaitCloseWaitsForIt() throws Exception {
        try (Connection client = node.connect(app, new Properties()); Connection console = console(admin)) {
            client.setAutoCommit(false);
            int before = backendPid(client);
            execute(console, "RECONNECT " + node.database());
            assertThat(row(console, "SHOW SERVERS", "remote_pid", Integer.toString(before))).containsEntry("close_needed", "1");

            CompletableFuture<Integer> waitClose = CompletableFuture.supplyAsync(() -> executeUnchecked(console, "WAIT_CLOSE"),
                    background);
            Thread.sleep(STILL_WAITING_MILLIS);
            assertThat(waitClose).as("WAIT_CLOSE waits for the server in a transaction").isNotDone();
            client.commit();
            assertThat(waitClose.get(DONE_WITHIN_SECONDS, TimeUnit.SECONDS)).isEqualTo(0);

            int after = backendPid(client);
            client.commit();
            assertThat(after).as("a new backend after RECONNECT").isNotEqualTo(before);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DONE_WITHIN_SECONDS);
            while (node.serverPids().contains(before) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(node.serverPids()).doesNotContain(before);
        }
    }

    @Test
    void wrongArgumentsGetPgBouncersErrors() throws Exception {
        try (Connection console = console(admin)) {
            assertError(console, "PAUSE nosuchdb", "no such database: nosuchdb");
            assertError(console, "PAUSE pgbouncer", "cannot pause admin db: pgbouncer");
            assertError(console, "KILL nosuchdb", "no such database: nosuchdb");
            assertError(console, "RECONNECT pgbouncer", "cannot reconnect admin db: pgbouncer");
            assertError(console, "DISABLE", "a database is required");
            assertError(console, "ENABLE nosuchdb", "no such database: nosuchdb");
            assertError(console, "RESUME", "pooler is not paused/suspended");
            assertError(console, "RESUME " + node.database(), "database " + node.database() + " is not paused");
            assertError(console, "WAIT_CLOSE pgbouncer", "cannot wait in admin db: pgbouncer");
            assertError(console, "SHUTDOWN NOW", "invalid command 'SHUTDOWN NOW', use SHOW HELP;");
            assertError(console, "RELOAD everything", "invalid command 'RELOAD everything', use SHOW HELP;");
            // the connection stays usable after each error
            assertThat(rows(console, "SHOW VERSION")).hasSize(1);
        }
    }

    @Test
    void statsUsersMayNotRunCommands() throws Exception {
        try (Connection console = console(stats)) {
            for (String command : List.of("PAUSE", "RESUME", "KILL " + node.database(), "DISABLE " + node.database(),
                    "RECONNECT", "RELOAD", "SHUTDOWN", "KILL_CLIENT 1", "WAIT_CLOSE")) {
                assertError(console, command, "admin access needed");
            }
            assertThat(rows(console, "SHOW STATE")).hasSize(3);
        }
        try (Connection console = console(admin)) {
            assertThat(row(console, "SHOW STATE", "key", "paused")).containsEntry("value", "no");
        }
    }

    @Test
    void reloadRunsTheProgramsReloadOrSaysThereIsNone() throws Exception {
        try (Connection console = console(admin); Statement st = console.createStatement()) {
            st.execute("RELOAD");
            java.sql.SQLWarning notice = st.getWarnings();
            assertThat(notice == null ? null : notice.getMessage()).contains("no configuration file to reload");

            AtomicInteger reloads = new AtomicInteger();
            node.pooler().reloadWith(() -> reloads.incrementAndGet() > 0);
            execute(console, "RELOAD");
            assertThat(reloads).hasValue(1);

            node.pooler().reloadWith(() -> false);
            assertThatThrownBy(() -> execute(console, "RELOAD"))
                    .hasMessageContaining("RELOAD failed, see logs for additional details")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("F0000"));
        } finally {
            node.pooler().reloadWith(null);
        }
    }

    @Test
    void newViewsShowTheNodesState() throws Exception {
        try (Connection client = node.connect(app, new Properties()); Connection console = console(admin)) {
            assertThat(selectOne(client)).isEqualTo(1);
            assertThat(row(console, "SHOW CLIENTS", "database", "pgbouncer")).containsEntry("user", admin)
                    .containsEntry("state", "active").containsEntry("type", "C");
            assertThat(row(console, "SHOW USERS", "name", app)).containsEntry("pool_size", "")
                    .containsEntry("current_client_connections", "1").containsEntry("max_user_connections", "0");
            Map<String, String> mem = new LinkedHashMap<>();
            rows(console, "SHOW MEM").forEach(r -> mem.put(r.get("name"), r.get("used")));
            assertThat(mem).containsKeys("clients", "servers", "pools", "console_clients", "jvm_heap");
            assertThat(Integer.parseInt(mem.get("console_clients"))).isPositive();
            Map<String, String> stats = row(console, "SHOW STATS", "database", node.database());
            Map<String, String> totals = row(console, "SHOW STATS_TOTALS", "database", node.database());
            assertThat(Long.parseLong(totals.get("server_assignment_count"))).isPositive()
                    .isGreaterThanOrEqualTo(Long.parseLong(stats.get("total_server_assignment_count")));
            // the pool's traffic counters reach the views: the client's SELECT 1 was a query and a transaction
            assertThat(Long.parseLong(totals.get("xact_count"))).isPositive();
            assertThat(Long.parseLong(totals.get("query_count"))).isPositive();
            assertThat(Long.parseLong(totals.get("bytes_received"))).isPositive();
            assertThat(Long.parseLong(stats.get("total_xact_count"))).isPositive();
            assertThat(row(console, "SHOW STATS_AVERAGES", "database", node.database())).containsKey("xact_time");
            assertThat(row(console, "SHOW TOTALS", "name", "total_server_assignment_count").get("value")).isNotEmpty();
        }
    }

    @Test
    void shutdownClosesTheListenerAndTheConsoleWithoutAnAnswer() throws Exception {
        TestNode doomed = TestNode.start("cmdshut", List.of("admin", "app"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.adminUsers = List.of("cmdshut_admin");
        }, c -> c);
        try {
            Connection console = console(doomed, doomed.user(0));
            CompletableFuture<Integer> shutdown = CompletableFuture.supplyAsync(() -> executeUnchecked(console, "SHUTDOWN"),
                    background);
            assertThatThrownBy(() -> shutdown.get(DONE_WITHIN_SECONDS, TimeUnit.SECONDS))
                    .as("SHUTDOWN is not answered: the connection closes").hasCauseInstanceOf(RuntimeException.class);
            awaitClosed(doomed);
            assertThatThrownBy(() -> doomed.connect(doomed.user(1), new Properties()).close())
                    .isInstanceOf(SQLException.class);
        } finally {
            doomed.close();
        }
    }

    @Test
    void shutdownWaitForClientsStopsAcceptingAndEndsWhenTheLastClientLeaves() throws Exception {
        TestNode doomed = TestNode.start("cmdwait", List.of("admin", "app"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.adminUsers = List.of("cmdwait_admin");
        }, c -> c);
        try {
            Connection client = doomed.connect(doomed.user(1), new Properties());
            assertThat(selectOne(client)).isEqualTo(1);
            try (Connection console = console(doomed, doomed.user(0))) {
                assertThat(execute(console, "SHUTDOWN WAIT_FOR_CLIENTS")).isEqualTo(0);
            }
            assertThatThrownBy(() -> doomed.connect(doomed.user(1), new Properties()).close())
                    .as("the listener is closed").isInstanceOf(SQLException.class);
            assertThat(selectOne(client)).as("a connected client keeps working").isEqualTo(1);
            assertThat(doomed.pooler().closed()).isFalse();
            assertThat(doomed.pooler().listening()).as("what the node's readiness reads: out of rotation").isFalse();
            client.close();
            awaitClosed(doomed);
        } finally {
            doomed.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void awaitClosed(TestNode n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DONE_WITHIN_SECONDS);
        while (!n.pooler().closed() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(n.pooler().closed()).as("the pooler stopped").isTrue();
    }

    private static Connection console(String user) throws SQLException {
        return console(node, user);
    }

    /** pgjdbc on the console: simple protocol only, and no SET after login (server_version says 1.25.1). */
    private static Connection console(TestNode n, String user) throws SQLException {
        Properties props = new Properties();
        props.setProperty("assumeMinServerVersion", "9.4");
        props.setProperty("preferQueryMode", "simple");
        return n.connect(user, "pgbouncer", props);
    }

    private static int execute(Connection console, String sql) throws SQLException {
        try (Statement st = console.createStatement()) {
            st.execute(sql);
            return Math.max(0, st.getUpdateCount());
        }
    }

    private static int executeUnchecked(Connection console, String sql) {
        try {
            return execute(console, sql);
        } catch (SQLException e) {
            throw new RuntimeException(e);
        }
    }

    private static void assertError(Connection console, String sql, String message) {
        assertThatThrownBy(() -> execute(console, sql)).as(sql).isInstanceOf(SQLException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08P01"));
    }

    private static int selectOne(Connection client) throws SQLException {
        try (Statement st = client.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int selectOneUnchecked(Connection client) {
        try {
            return selectOne(client);
        } catch (SQLException e) {
            throw new RuntimeException(e);
        }
    }

    private static int backendPid(Connection client) throws SQLException {
        try (Statement st = client.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static List<Map<String, String>> rows(Connection console, String sql) throws SQLException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Statement st = console.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    private static Map<String, String> row(Connection console, String sql, String column, String value) throws SQLException {
        List<Map<String, String>> rows = rows(console, sql);
        List<Map<String, String>> matching = rows.stream().filter(r -> value.equals(r.get(column))).toList();
        assertThat(matching).as("rows of %s with %s = %s in %s", sql, column, value, rows).hasSize(1);
        return matching.get(0);
    }
}
