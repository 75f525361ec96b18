package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Psql;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real psql (libpq, simple query protocol) through a node in each pool mode, running
 * scripts with {@code -f} as people and deploy jobs do. Where a script needs another client
 * at a given point it runs one with psql's {@code \!}, so the order is the script's, not a
 * race: that client gets the server the script's session just used, or shows that it cannot.
 */
@Driver(value = "psql {version} (libpq, simple query protocol)", notes = "Scripts run with psql -f; where a script needs "
        + "another client at a given point it starts one with `\\!`. psql prints a notification after the next command "
        + "it runs.")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PsqlCompatibilityTest {
    private static ModeNodes nodes;

    @TempDir
    static Path scripts;

    @BeforeAll
    static void start() throws SQLException {
        Assumptions.assumeTrue(Psql.available(), "psql is not installed");
        Compat.driverVersion(Psql.version());
        nodes = ModeNodes.start("compat_psql");
        for (PoolMode mode : PoolMode.values()) {
            try (Connection c = nodes.get(mode).connect(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA psql_schema");
                s.execute("CREATE TABLE psql_schema.where_am_i AS SELECT 'psql_schema' AS schema");
                s.execute("CREATE TABLE public.where_am_i AS SELECT 'public' AS schema");
            }
        }
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
    @DisplayName("Script of single statements (psql -f)")
    void script(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        Psql.Result r = script(node, "script", """
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items VALUES (1, 'one'), (2, 'two');
                UPDATE items SET name = upper(name) WHERE id = 2;
                DELETE FROM items WHERE id = 1;
                SELECT 'row:' || id || ':' || name FROM items ORDER BY id;
                DROP TABLE items;
                """);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(lines(r, "row:")).containsExactly("row:2:TWO");
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Several statements in one query string (psql -c, one implicit transaction)")
    void multiStatementQuery(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        psqlCommand(node, "CREATE TABLE multi (n int)");
        Psql.Result ok = psqlCommand(node, "INSERT INTO multi VALUES (1); INSERT INTO multi VALUES (2); SELECT 'sum:' || sum(n) FROM multi");
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
        assertThat(lines(ok, "sum:")).containsExactly("sum:3");
        // One Query message is one transaction: a later error undoes the earlier statements.
        Psql.Result failed = psqlCommand(node, "INSERT INTO multi VALUES (100); SELECT 1/0");
        assertThat(failed.exitCode()).isNotZero();
        assertThat(failed.stderr()).contains("division by zero");
        Psql.Result after = psqlCommand(node, "SELECT 'sum:' || sum(n) FROM multi");
        assertThat(lines(after, "sum:")).containsExactly("sum:3");
        psqlCommand(node, "DROP TABLE multi");
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Explicit transaction block (BEGIN … COMMIT) in a script")
    void explicitTransaction(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        psqlCommand(node, "CREATE TABLE tx_items (n int)");
        Psql.Result r = script(node, "transaction", """
                \\set VERBOSITY verbose
                BEGIN;
                INSERT INTO tx_items VALUES (1);
                SELECT 'inside:' || count(*) FROM tx_items;
                INSERT INTO tx_items VALUES (2);
                ROLLBACK;
                BEGIN;
                INSERT INTO tx_items VALUES (3);
                COMMIT;
                SELECT 'after:' || string_agg(n::text, ',') FROM tx_items;
                """);
        if (mode == PoolMode.STATEMENT) {
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.stderr()).contains("FATAL:  25001: transaction blocks are not allowed in statement pooling mode (pool_mode=statement)");
            assertThat(lines(r, "inside:")).isEmpty();
            assertThat(directCount(node, "tx_items")).isZero();
            Compat.note(Compat.REFUSED_IN_STATEMENT_MODE);
        } else {
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(lines(r, "inside:")).containsExactly("inside:1");
            assertThat(lines(r, "after:")).containsExactly("after:3");
        }
        psqlCommand(node, "DROP TABLE tx_items");
    }

    @Order(4)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("SET search_path and statement_timeout follow the session across transactions")
    void setFollowsTheSession(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        // The other client runs right after the script's SET: in transaction and statement
        // mode it gets the server the script just used, which must not keep the settings.
        Psql.Result r = script(node, "set", """
                SET search_path TO psql_schema, public;
                SET statement_timeout = '1234ms';
                SELECT 'mine:' || current_setting('statement_timeout') || ':' || schema FROM where_am_i;
                %s
                SELECT 'mine:' || current_setting('statement_timeout') || ':' || schema FROM where_am_i;
                %s
                SELECT 'mine:' || current_setting('statement_timeout') || ':' || schema FROM where_am_i;
                """.formatted(other(node, "SELECT 'other:' || current_setting('statement_timeout') || ':' || schema FROM where_am_i"),
                other(node, "SELECT 'other:' || current_setting('statement_timeout') || ':' || schema FROM where_am_i")));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(lines(r, "mine:")).containsExactly("mine:1234ms:psql_schema", "mine:1234ms:psql_schema", "mine:1234ms:psql_schema");
        assertThat(lines(r, "other:")).containsExactly("other:0:public", "other:0:public");
    }

    @Order(5)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("COPY … FROM STDIN, \\copy from and to a file")
    void copy(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        Path in = scripts.resolve("copy-in-" + mode.iniName() + ".csv");
        Path out = scripts.resolve("copy-out-" + mode.iniName() + ".csv");
        Files.writeString(in, "3,three\n4,four\n");
        Psql.Result r = script(node, "copy", """
                CREATE TABLE copied (id int, name text);
                COPY copied FROM STDIN (FORMAT csv);
                1,one
                2,two
                \\.
                \\copy copied FROM '%s' (FORMAT csv)
                \\copy (SELECT id, name FROM copied ORDER BY id) TO '%s' (FORMAT csv)
                SELECT 'count:' || count(*) FROM copied;
                DROP TABLE copied;
                """.formatted(in, out));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(lines(r, "count:")).containsExactly("count:4");
        assertThat(Files.readAllLines(out)).containsExactly("1,one", "2,two", "3,three", "4,four");
    }

    @Order(6)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Temporary table used across commands")
    void temporaryTable(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        long pinsBefore = pinsTotal(node);
        Psql.Result r = script(node, "temp", """
                CREATE TEMP TABLE scratch AS SELECT 1 AS n;
                SELECT 'mine:' || pg_backend_pid();
                %s
                INSERT INTO scratch VALUES (2);
                SELECT 'sum:' || sum(n) FROM scratch;
                SELECT 'mine:' || pg_backend_pid();
                """.formatted(other(node, "SELECT 'other:' || pg_backend_pid() || ':' || (to_regclass('pg_temp.scratch') IS NULL)")));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(lines(r, "sum:")).containsExactly("sum:3");
        List<String> mine = lines(r, "mine:");
        assertThat(mine).hasSize(2);
        assertThat(mine.get(1)).as("the same server throughout").isEqualTo(mine.get(0));
        String other = lines(r, "other:").get(0);
        assertThat(other).as("the other client: another server, no scratch table")
                .isNotEqualTo("other:" + mine.get(0).substring(5) + ":true").endsWith(":true");
        expectPinned(mode, node, pinsBefore);
    }

    @Order(7)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("LISTEN: a notification is shown after the next command")
    void listen(PoolMode mode) throws Exception {
        TestNode node = nodes.get(mode);
        long pinsBefore = pinsTotal(node);
        Psql.Result r = script(node, "listen", """
                LISTEN psql_channel;
                SELECT 'mine:' || pg_backend_pid();
                %s
                SELECT 'after:notify';
                """.formatted(other(node, "NOTIFY psql_channel, 'hello'; SELECT 'other:' || pg_backend_pid()")));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String listener = lines(r, "mine:").get(0).substring(5);
        String notifier = lines(r, "other:").get(0).substring(6);
        assertThat(notifier).as("the notifying client ran on another server").isNotEqualTo(listener);
        assertThat(r.stdout()).contains("Asynchronous notification \"psql_channel\" with payload \"hello\" received from server process with PID "
                + notifier + ".");
        expectPinned(mode, node, pinsBefore);
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Writes the script and runs it with psql -f through the node. */
    private static Psql.Result script(TestNode node, String name, String text) throws IOException {
        Path file = Files.createTempFile(scripts, name + "-", ".sql");
        Files.writeString(file, text);
        return Psql.runScript("127.0.0.1", node.port(), node.user(), TestNode.PASSWORD, node.database(), file);
    }

    private static Psql.Result psqlCommand(TestNode node, String sql) {
        return Psql.run("127.0.0.1", node.port(), node.user(), TestNode.PASSWORD, node.database(), sql);
    }

    /** A psql meta-command running another psql client through the node, at this point of the script. */
    private static String other(TestNode node, String sql) {
        return "\\! psql -X -q -tA -h 127.0.0.1 -p " + node.port() + " -U " + node.user() + " -d " + node.database()
                + " -c \"" + sql + "\"";
    }

    /** The output lines that start with a tag, in order (tags keep the two clients' output apart). */
    private static List<String> lines(Psql.Result r, String tag) {
        return r.stdout().lines().filter(l -> l.startsWith(tag)).toList();
    }

    private static long directCount(TestNode node, String table) throws SQLException {
        try (Connection direct = ModeNodes.direct(node); ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long pinsTotal(TestNode node) {
        if (ModeNodes.stats(node) == null) {
            psqlCommand(node, "SELECT 1"); // the pool exists once a client used it
        }
        return ModeNodes.stats(node).pinsTotal();
    }

    private static void expectPinned(PoolMode mode, TestNode node, long pinsBefore) {
        if (mode != PoolMode.SESSION) {
            assertThat(ModeNodes.stats(node).pinsTotal() - pinsBefore).as("pins").isEqualTo(1);
            Compat.note(Compat.PINNED);
        }
    }
}
