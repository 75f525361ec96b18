package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pool_mode = transaction: a server per transaction, given back on ReadyForQuery 'I'. */
class TransactionPoolingTest {
    private static TestNode node;

    @BeforeAll
    static void start() throws SQLException {
        node = TestNode.start("txpool", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        });
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE TABLE counters (id int primary key, n int not null)");
            c.createStatement().execute("INSERT INTO counters SELECT g, 0 FROM generate_series(1, 10) g");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void manyClientsShareTwoServersAndEveryTransactionCounts() throws Exception {
        int clients = 10;
        int transactionsEach = 50;
        Set<Integer> serverPids = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i + 1;
                done.add(pool.submit(() -> {
                    try (Connection c = node.connect()) {
                        c.setAutoCommit(false);
                        for (int t = 0; t < transactionsEach; t++) {
                            try (Statement s = c.createStatement()) {
                                s.executeUpdate("UPDATE counters SET n = n + 1 WHERE id = " + id);
                                ResultSet rs = s.executeQuery("SELECT pg_backend_pid()");
                                rs.next();
                                serverPids.add(rs.getInt(1));
                            }
                            c.commit();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(serverPids).hasSizeLessThanOrEqualTo(2);
        assertThat(node.serverConnectionsSeenByPostgres()).isLessThanOrEqualTo(2);
        try (Connection c = node.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT sum(n), min(n) FROM counters")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(clients * transactionsEach);
            assertThat(rs.getInt(2)).isEqualTo(transactionsEach);
        }
    }

    @Test
    void aTransactionKeepsItsServerAndAnErrorInsideItKeepsItUntilRollback() throws SQLException {
        try (Connection a = node.connect(); Connection b = node.connect()) {
            a.setAutoCommit(false);
            int first = backendPid(a);
            a.createStatement().execute("CREATE TEMP TABLE inside_tx (x int) ON COMMIT DROP");
            // While a's transaction is open, b must get the other server.
            assertThat(backendPid(b)).isNotEqualTo(first);
            assertThatThrownBy(() -> a.createStatement().execute("SELECT 1/0")).isInstanceOf(PSQLException.class);
            // Transaction status 'E': still the same server, still failing until rollback.
            assertThatThrownBy(() -> a.createStatement().execute("SELECT 1"))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
            a.rollback();
            a.setAutoCommit(true);
            assertThat(backendPid(a)).isPositive();
        }
    }

    @Test
    void pipelinedBatchesWithSeveralSyncsStayOnOneServer() throws Exception {
        try (RawClient raw = RawClient.connect(node)) {
            // Three extended-protocol statements, each ending with its own Sync, sent at once.
            raw.sendExtended("SELECT pg_backend_pid()", "SELECT pg_backend_pid()", "SELECT pg_backend_pid()");
            List<String> rows = raw.readRowsUntilReadyForQuery(3);
            assertThat(rows).hasSize(3);
            assertThat(Set.copyOf(rows)).hasSize(1);
        }
    }

    @Test
    void copyInAndCopyOutWork() throws Exception {
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS copied (id int, name text)");
            StringBuilder data = new StringBuilder();
            for (int i = 0; i < 5000; i++) {
                data.append(i).append('\t').append("row-").append(i).append('\n');
            }
            long copied = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY copied FROM STDIN",
                    new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
            assertThat(copied).isEqualTo(5000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long exported = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT * FROM copied ORDER BY id) TO STDOUT", out);
            assertThat(exported).isEqualTo(5000);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(data.toString());
        }
    }

    @Test
    void aClientThatLeavesMidTransactionDoesNotLeaveItsTransactionBehind() throws SQLException {
        try (Connection a = node.connect()) {
            a.setAutoCommit(false);
            a.createStatement().execute("UPDATE counters SET n = n + 1000 WHERE id = 1");
        } // closed without commit
        try (Connection b = node.connect(); ResultSet rs = b.createStatement().executeQuery("SELECT n < 1000 FROM counters WHERE id = 1")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
