package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** pool_mode = session: a client keeps one server until it leaves; the server is reset (DISCARD ALL) for the next. */
class SessionPoolingTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("sesspool", s -> {
            s.poolMode = PoolMode.SESSION;
            s.defaultPoolSize = 1;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aClientKeepsItsServerForTheWholeSession() throws SQLException {
        try (Connection c = node.connect()) {
            int pid = pid(c);
            c.createStatement().execute("CREATE TEMP TABLE mine (x int)");
            for (int i = 0; i < 5; i++) {
                assertThat(pid(c)).isEqualTo(pid);
            }
            c.createStatement().execute("INSERT INTO mine VALUES (1)"); // the temp table is still there
        }
    }

    @Test
    void theNextClientGetsTheSameServerWithNothingLeftOfTheFirst() throws SQLException {
        int firstPid;
        try (Connection a = node.connect()) {
            firstPid = pid(a);
            a.createStatement().execute("SET work_mem = '7MB'");
            a.createStatement().execute("CREATE TEMP TABLE leftover (x int)");
            a.createStatement().execute("PREPARE leftover_stmt AS SELECT 1");
        }
        try (Connection b = node.connect()) {
            assertThat(pid(b)).as("pool_size 1: the same server").isEqualTo(firstPid);
            assertThat(scalar(b, "SHOW work_mem")).isNotEqualTo("7MB");
            assertThat(scalar(b, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql")).isEqualTo("0");
            assertThat(scalar(b, "SELECT to_regclass('pg_temp.leftover') IS NULL")).isEqualTo("t");
        }
    }

    static int pid(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SELECT pg_backend_pid()"));
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
