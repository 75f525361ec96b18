package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Psql;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin console with real clients: psql runs SHOW commands against a node that a pgjdbc
 * client holds a transaction on; admin, stats and other users; the extended protocol.
 */
class AdminConsoleTest {
    /** PgBouncer 1.25's columns of each view, in order (doc/usage.md and admin.c of 1.25). */
    static final Map<String, List<String>> PGBOUNCER_COLUMNS = Map.ofEntries(
            Map.entry("POOLS", List.of("database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req",
                    "cl_waiting_cancel_req", "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used",
                    "sv_tested", "sv_login", "maxwait", "maxwait_us", "pool_mode", "load_balance_hosts")),
            Map.entry("DATABASES", List.of("name", "host", "port", "database", "force_user", "pool_size", "min_pool_size",
                    "reserve_pool_size", "server_lifetime", "pool_mode", "load_balance_hosts", "max_connections",
                    "current_connections", "max_client_connections", "current_client_connections", "paused", "disabled")),
            Map.entry("CLIENTS", socketColumns()),
            Map.entry("SERVERS", socketColumns()),
            Map.entry("STATS", List.of("database", "total_server_assignment_count", "total_xact_count", "total_query_count",
                    "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
                    "total_client_parse_count", "total_server_parse_count", "total_bind_count",
                    "avg_server_assignment_count", "avg_xact_count", "avg_query_count", "avg_recv", "avg_sent",
                    "avg_xact_time", "avg_query_time", "avg_wait_time", "avg_client_parse_count",
                    "avg_server_parse_count", "avg_bind_count")),
            // stats.c: the totals and averages without their total_/avg_ prefixes, but for the last three averages
            Map.entry("STATS_TOTALS", List.of("database", "server_assignment_count", "xact_count", "query_count",
                    "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time", "client_parse_count",
                    "server_parse_count", "bind_count")),
            Map.entry("STATS_AVERAGES", List.of("database", "server_assignment_count", "xact_count", "query_count",
                    "bytes_received", "bytes_sent", "xact_time", "query_time", "wait_time", "avg_client_parse_count",
                    "avg_server_parse_count", "avg_bind_count")),
            Map.entry("TOTALS", List.of("name", "value")),
            Map.entry("USERS", List.of("name", "pool_size", "reserve_pool_size", "pool_mode", "max_user_connections",
                    "current_connections", "max_user_client_connections", "current_client_connections")),
            Map.entry("MEM", List.of("name", "size", "used", "free", "memtotal")),
            Map.entry("STATE", List.of("key", "value")),
            Map.entry("LISTS", List.of("list", "items")),
            Map.entry("CONFIG", List.of("key", "value", "default", "changeable")),
            Map.entry("VERSION", List.of("version")));

    private static TestNode node;
    private static String admin;
    private static String stats;
    private static String other;

    private static List<String> socketColumns() {
        return List.of("type", "user", "database", "replication", "state", "addr", "port", "local_addr", "local_port",
                "connect_time", "request_time", "wait", "wait_us", "close_needed", "ptr", "link", "remote_pid", "tls",
                "application_name", "prepared_statements", "id");
    }

    @BeforeAll
    static void start() {
        node = TestNode.start("console", List.of("admin", "stats", "other"), List.of(), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.adminUsers = List.of("console_admin", "nobody_else");
            s.statsUsers = List.of("console_stats");
        }, c -> c);
        admin = node.user(0);
        stats = node.user(1);
        other = node.user(2);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void showPoolsClientsAndServersSeeAClientHoldingATransaction() throws Exception {
        assumeTrue(Psql.available(), "psql is not installed");
        Properties props = new Properties();
        props.setProperty("ApplicationName", "console-test-app");
        try (Connection client = node.connect(other, node.database(), props)) {
            client.setAutoCommit(false);
            try (Statement st = client.createStatement()) {
                st.execute("SELECT 1");
            }
            List<Map<String, String>> pools = show(admin, "SHOW POOLS;");
            Map<String, String> pool = only(pools, "database", node.database(), "user", other);
            assertThat(pool).containsEntry("cl_active", "1").containsEntry("cl_waiting", "0")
                    .containsEntry("sv_active", "1").containsEntry("sv_login", "0")
                    .containsEntry("maxwait", "0").containsEntry("pool_mode", "transaction");

            Map<String, String> cl = only(show(admin, "show clients"), "user", other);
            assertThat(cl).containsEntry("type", "C").containsEntry("database", node.database())
                    .containsEntry("state", "active").containsEntry("addr", "127.0.0.1")
                    .containsEntry("application_name", "console-test-app").containsEntry("replication", "none");
            assertThat(cl.get("link")).startsWith("0x");
            assertThat(cl.get("connect_time")).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC");

            Map<String, String> sv = only(show(admin, "Show Servers ;"), "state", "active");
            assertThat(sv).containsEntry("type", "S").containsEntry("user", other)
                    .containsEntry("database", node.database()).containsEntry("link", cl.get("ptr"))
                    .containsEntry("application_name", "console-test-app")
                    .containsEntry("port", Integer.toString(node.postgres().port()));
            assertThat(node.serverPids()).contains(Integer.parseInt(sv.get("remote_pid")));

            Map<String, String> db = only(show(admin, "SHOW DATABASES"), "name", node.database());
            assertThat(db).containsEntry("current_connections", "1").containsEntry("current_client_connections", "1")
                    .containsEntry("pool_size", "20").containsEntry("database", node.database())
                    .containsEntry("paused", "0");

            Map<String, String> lists = new LinkedHashMap<>();
            show(admin, "SHOW LISTS").forEach(r -> lists.put(r.get("list"), r.get("items")));
            assertThat(lists).containsEntry("pools", "1").containsEntry("used_clients", "1")
                    .containsEntry("used_servers", "1").containsEntry("databases", "1");
            client.commit();
        }
        // the transaction ended: the server went back to the pool, the client left
        Map<String, String> after = only(show(admin, "SHOW POOLS"), "user", other);
        assertThat(after).containsEntry("sv_active", "0").containsEntry("sv_idle", "1").containsEntry("cl_active", "0");
        Map<String, String> st = only(show(stats, "SHOW STATS"), "database", node.database());
        assertThat(Long.parseLong(st.get("total_server_assignment_count"))).isPositive();
    }

    @Test
    void everyViewHasPgBouncersColumnsInOrder() {
        assumeTrue(Psql.available(), "psql is not installed");
        PGBOUNCER_COLUMNS.forEach((view, columns) -> {
            Psql.Result result = Psql.runWithHeader("127.0.0.1", node.port(), admin, TestNode.PASSWORD, "pgbouncer",
                    "SHOW " + view + ";");
            assertThat(result.exitCode()).as(view + ": " + result.stderr()).isZero();
            assertThat(result.stdout().lines().findFirst().orElseThrow().split("\\|", -1)).as(view)
                    .containsExactlyElementsOf(columns);
            assertThat(ConsoleViews.columns(view)).as(view).containsExactlyElementsOf(columns);
        });
        Psql.Result version = Psql.run("127.0.0.1", node.port(), stats, TestNode.PASSWORD, "pgbouncer", "show version");
        assertThat(version.stdout()).isEqualTo("PgBouncer 1.25.1 (pgfleet)");
        Map<String, String> config = new LinkedHashMap<>();
        show(stats, "SHOW CONFIG").forEach(r -> config.put(r.get("key"), r.get("value")));
        assertThat(config).containsEntry("pool_mode", "transaction").containsEntry("stats_users", "console_stats")
                .containsEntry("admin_users", "console_admin,nobody_else").containsEntry("query_wait_timeout", "120")
                .containsEntry("server_reset_query", "DISCARD ALL");
    }

    @Test
    void statsUsersMayShowButNotAdminister() {
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result show = Psql.run("127.0.0.1", node.port(), stats, TestNode.PASSWORD, "pgbouncer", "SHOW STATS;");
        assertThat(show.exitCode()).as(show.stderr()).isZero();
        Psql.Result pause = Psql.run("127.0.0.1", node.port(), stats, TestNode.PASSWORD, "pgbouncer", "PAUSE;");
        assertThat(pause.exitCode()).isNotZero();
        assertThat(pause.stderr()).contains("ERROR:  admin access needed");
        Psql.Result help = Psql.run("127.0.0.1", node.port(), stats, TestNode.PASSWORD, "pgbouncer", "SHOW HELP");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stderr()).contains("NOTICE:  Console usage").contains("SHOW HELP|CONFIG|DATABASES");
    }

    @Test
    void otherUsersAreNotAllowedAndWrongPasswordsFail() {
        Properties props = new Properties();
        props.setProperty("assumeMinServerVersion", "9.4");
        assertThatThrownBy(() -> node.connect(other, "pgbouncer", props).close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("not allowed")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08P01"));
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result other = Psql.run("127.0.0.1", node.port(), AdminConsoleTest.other, TestNode.PASSWORD, "pgbouncer", "SHOW POOLS");
        assertThat(other.exitCode()).isNotZero();
        assertThat(other.stderr()).contains("FATAL:  not allowed");
        Psql.Result wrong = Psql.run("127.0.0.1", node.port(), admin, "wrong", "pgbouncer", "SHOW POOLS");
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(wrong.stderr()).contains("password authentication failed for user \"" + admin + "\"");
        Psql.Result unknown = Psql.run("127.0.0.1", node.port(), "nobody_else", TestNode.PASSWORD, "pgbouncer", "SHOW POOLS");
        assertThat(unknown.stderr()).contains("password authentication failed for user \"nobody_else\"");
    }

    @Test
    void unknownCommandsGetPgBouncersError() {
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result unknown = Psql.run("127.0.0.1", node.port(), admin, TestNode.PASSWORD, "pgbouncer", "SHOW FOO");
        assertThat(unknown.stderr()).contains("ERROR:  invalid command 'SHOW FOO', use SHOW HELP;");
        Psql.Result select = Psql.run("127.0.0.1", node.port(), admin, TestNode.PASSWORD, "pgbouncer", "select version();");
        assertThat(select.stderr()).contains("ERROR:  invalid command 'select version();', use SHOW HELP;");
        Psql.Result later = Psql.run("127.0.0.1", node.port(), admin, TestNode.PASSWORD, "pgbouncer", "SHOW FDS");
        assertThat(later.stderr()).contains("ERROR:  SHOW FDS is not supported by this node's admin console");
    }

    @Test
    void theExtendedProtocolGetsAClearErrorAndTheConnectionStaysUsable() throws SQLException {
        Properties props = new Properties();
        // pgjdbc would otherwise SET extra_float_digits after login, seeing server_version 1.25.1
        props.setProperty("assumeMinServerVersion", "9.4");
        props.setProperty("preferQueryMode", "extendedForPrepared");
        try (Connection console = node.connect(admin, "pgbouncer", props)) {
            try (PreparedStatement ps = console.prepareStatement("SHOW VERSION")) {
                assertThatThrownBy(ps::executeQuery).isInstanceOf(SQLException.class)
                        .hasMessageContaining("extended query protocol not supported by admin console")
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08P01"));
            }
            try (Statement st = console.createStatement(); ResultSet rs = st.executeQuery("SHOW VERSION")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("version")).isEqualTo(ConsoleViews.VERSION);
            }
        }
    }

    /** A SHOW through psql as {@code user}, as rows of column name to value. */
    private static List<Map<String, String>> show(String user, String sql) {
        Psql.Result result = Psql.runWithHeader("127.0.0.1", node.port(), user, TestNode.PASSWORD, "pgbouncer", sql);
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        List<String> lines = result.stdout().lines().toList();
        List<String> header = Arrays.asList(lines.get(0).split("\\|", -1));
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size() - 1)) { // the last line is "(n rows)"
            String[] values = line.split("\\|", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), values[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static Map<String, String> only(List<Map<String, String>> rows, String... keyValues) {
        List<Map<String, String>> matching = rows.stream().filter(r -> {
            for (int i = 0; i < keyValues.length; i += 2) {
                if (!keyValues[i + 1].equals(r.get(keyValues[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        assertThat(matching).as("rows matching %s in %s", Arrays.toString(keyValues), rows).hasSize(1);
        return matching.get(0);
    }
}
