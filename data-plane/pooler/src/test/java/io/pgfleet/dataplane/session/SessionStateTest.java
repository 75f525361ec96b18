package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session state in transaction mode: what a client SETs stays its own. It never reaches a
 * client that gets the same server next, and it is there in the client's next transaction
 * on any server. One event loop and a pool of 2, so the pool hands out the most recently
 * released server and a client holding it in a transaction sends the other to the second.
 */
class SessionStateTest {
    private static TestNode node;
    private static String defaultSearchPath;
    private static String defaultWorkMem;

    @BeforeAll
    static void start() throws SQLException {
        node = TestNode.start(Postgres.shared(), "sessstate", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        }, p -> p.withEventLoopThreads(1));
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE SCHEMA IF NOT EXISTS a_schema");
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS a_schema.where_am_i AS SELECT 'a_schema' AS schema");
            defaultSearchPath = show(c, "search_path");
            defaultWorkMem = show(c, "work_mem");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void searchPathAndStatementTimeoutNeverReachAnotherClientAndFollowTheirOwner() throws SQLException {
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.createStatement().execute("SET search_path TO a_schema, public");
            a.createStatement().execute("SET statement_timeout = '4321ms'");
            int aServer = pid(a);
            for (int round = 0; round < 10; round++) {
                // b takes the server a just used, and holds it.
                b.setAutoCommit(false);
                assertThat(pid(b)).as("round %d: b is on a's last server", round).isEqualTo(aServer);
                assertThat(show(b, "search_path")).as("round %d: b's search_path", round).isEqualTo(defaultSearchPath);
                assertThat(show(b, "statement_timeout")).as("round %d: b's statement_timeout", round).isEqualTo("0");

                // a, in a transaction of its own on the other server, still has both.
                a.setAutoCommit(false);
                int other = pid(a);
                assertThat(other).isNotEqualTo(aServer);
                assertThat(show(a, "search_path")).isEqualTo("a_schema, public");
                assertThat(show(a, "statement_timeout")).isEqualTo("4321ms");
                assertThat(scalar(a, "SELECT schema FROM where_am_i")).isEqualTo("a_schema");
                a.commit();
                a.setAutoCommit(true);
                b.commit();
                b.setAutoCommit(true);
                aServer = other;
                // a's next transaction, on whatever server, has them too.
                assertThat(show(a, "statement_timeout")).isEqualTo("4321ms");
                aServer = pid(a);
            }
        }
    }

    @Test
    void setLocalAndARolledBackSetDoNotOutliveTheirTransaction() throws SQLException {
        try (Connection a = node.connect()) {
            a.setAutoCommit(false);
            a.createStatement().execute("SET LOCAL statement_timeout = '1s'");
            assertThat(show(a, "statement_timeout")).isEqualTo("1s");
            a.commit();
            a.createStatement().execute("SET search_path TO a_schema");
            a.rollback();
            a.setAutoCommit(true);
            assertThat(show(a, "statement_timeout")).isEqualTo("0");
            assertThat(show(a, "search_path")).isEqualTo(defaultSearchPath);
        }
    }

    @Test
    void resetPutsBackTheDefaultForTheClient() throws SQLException {
        try (Connection a = node.connect()) {
            assertThat(defaultWorkMem).isNotEqualTo("7MB");
            a.createStatement().execute("SET work_mem = '7MB'");
            assertThat(show(a, "work_mem")).isEqualTo("7MB");
            a.createStatement().execute("RESET work_mem");
            try (Connection b = node.connect()) {
                b.setAutoCommit(false); // holds a server so a may land on either
                assertThat(show(a, "work_mem")).isEqualTo(defaultWorkMem);
                b.commit();
            }
        }
    }

    @Test
    void startupOptionsAreHonouredOnEveryServer() throws SQLException {
        Properties options = new Properties();
        options.setProperty("options", "-c search_path=a_schema,public -c statement_timeout=2500ms");
        try (Connection a = node.connect(node.user(), options); Connection b = node.connect()) {
            int first = pid(a);
            b.setAutoCommit(false);
            int held = pid(b);
            assertThat(show(b, "statement_timeout")).isEqualTo("0");
            assertThat(show(a, "statement_timeout")).isEqualTo("2500ms");
            assertThat(show(a, "search_path")).isEqualTo("a_schema,public");
            assertThat(List.of(first, pid(a))).as("a ran on both servers").contains(held);
            b.commit();
        }
    }

    @Test
    void aClientThatAskedForNothingGetsTheServersDefaultsNotThePreviousClients() throws IOException {
        try (RawClient tokyo = RawClient.open(node.port()); RawClient plain = RawClient.open(node.port())) {
            tokyo.login(node.user(), TestNode.PASSWORD, node.database(), Map.of("TimeZone", "Asia/Tokyo", "DateStyle", "German"));
            plain.login(node.user(), TestNode.PASSWORD, node.database(), Map.of());
            tokyo.sendQuery("SHOW TimeZone");
            assertThat(tokyo.readRowsUntilReadyForQuery(1)).containsExactly("Asia/Tokyo");
            // plain gets the server tokyo just released
            plain.sendQuery("SHOW TimeZone; SHOW DateStyle");
            List<String> seen = plain.readRowsUntilReadyForQuery(1);
            assertThat(seen).doesNotContain("Asia/Tokyo", "German, DMY");
            assertThat(seen.get(0)).isEqualTo(plain.parameters().get("TimeZone"));
            assertThat(seen.get(1)).isEqualTo(plain.parameters().get("DateStyle"));
        }
    }

    static String show(Connection c, String parameter) throws SQLException {
        return scalar(c, "SHOW " + parameter);
    }

    static int pid(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SELECT pg_backend_pid()"));
    }

    /** Through a server-side prepared statement (prepareThreshold=1), as applications run queries. */
    static String scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
