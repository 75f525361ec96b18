package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.pid;
import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;

/** server_reset_query and server_reset_query_always. */
class ServerResetQueryTest {

    @Test
    void transactionModeSkipsTheResetUnlessAlwaysIsSet() throws SQLException {
        try (TestNode node = TestNode.start("resetnever", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
        })) {
            try (Connection a = node.connect(); Connection b = node.connect()) {
                a.createStatement().execute("SET work_mem = '9MB'"); // outside a transaction: leaks, as in PgBouncer
                assertThat(scalar(b, "SHOW work_mem")).isEqualTo("9MB");
            }
        }
        try (TestNode node = TestNode.start("resetalways", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.serverResetQueryAlways = true;
        })) {
            try (Connection a = node.connect(); Connection b = node.connect()) {
                int pid = pid(a);
                a.createStatement().execute("SET work_mem = '9MB'");
                assertThat(pid(b)).isEqualTo(pid);
                assertThat(scalar(b, "SHOW work_mem")).isNotEqualTo("9MB");
            }
        }
    }

    @Test
    void aCustomResetQueryRunsWhenASessionEnds() throws SQLException {
        try (TestNode node = TestNode.start("resetcustom", s -> {
            s.poolMode = PoolMode.SESSION;
            s.defaultPoolSize = 1;
            s.serverResetQuery = "RESET work_mem";
        })) {
            try (Connection a = node.connect()) {
                a.createStatement().execute("SET work_mem = '9MB'");
                a.createStatement().execute("SET maintenance_work_mem = '99MB'");
            }
            try (Connection b = node.connect()) {
                assertThat(scalar(b, "SHOW work_mem")).isNotEqualTo("9MB");
                assertThat(scalar(b, "SHOW maintenance_work_mem")).as("only what the query resets is reset").isEqualTo("99MB");
            }
        }
    }
}
