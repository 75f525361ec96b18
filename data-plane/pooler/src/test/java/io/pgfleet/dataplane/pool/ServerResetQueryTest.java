package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.pid;
import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** server_reset_query and server_reset_query_always. */
class ServerResetQueryTest {

    @Test
    void transactionModeSkipsTheResetUnlessAlwaysIsSet() throws SQLException {
        try (TestNode node = TestNode.start("resetnever", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
        })) {
            try (Connection a = node.connect(); Connection b = node.connect()) {
                // Session state the node does not track (a sequence's currval) stays on the server, as in PgBouncer.
                a.createStatement().execute("CREATE SEQUENCE IF NOT EXISTS reset_seq");
                a.createStatement().execute("SELECT nextval('reset_seq')");
                assertThat(scalar(b, "SELECT currval('reset_seq')")).isEqualTo("1");
            }
        }
        try (TestNode node = TestNode.start("resetalways", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.serverResetQueryAlways = true;
        })) {
            try (Connection a = node.connect(); Connection b = node.connect()) {
                int pid = pid(a);
                a.createStatement().execute("CREATE SEQUENCE IF NOT EXISTS reset_seq");
                a.createStatement().execute("SELECT nextval('reset_seq')");
                assertThat(pid(b)).isEqualTo(pid);
                assertThatThrownBy(() -> scalar(b, "SELECT currval('reset_seq')"))
                        .hasMessageContaining("currval of sequence \"reset_seq\" is not yet defined in this session");
            }
        }
    }

    @Test
    void aCustomResetQueryRunsWhenASessionEnds() throws SQLException {
        try (TestNode node = TestNode.start("resetcustom", s -> {
            s.poolMode = PoolMode.SESSION;
            s.defaultPoolSize = 1;
            // DEALLOCATE ALL too: the next client's pgjdbc names its statements S_1... again
            s.serverResetQuery = "RESET work_mem; DEALLOCATE ALL";
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
