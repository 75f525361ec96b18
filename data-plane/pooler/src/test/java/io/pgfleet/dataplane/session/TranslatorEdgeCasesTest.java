package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.pgfleet.testkit.RawClient.summary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Corners of the extended query protocol in transaction mode, each run against PostgreSQL
 * directly and through the node: the node's answers must be PostgreSQL's, and the client
 * must give its server back when its transaction ends. Pool of 1 and a short
 * query_wait_timeout, so a server the node failed to give back shows as a second client
 * that gets none.
 */
class TranslatorEdgeCasesTest {
    private static TestNode node;
    /** pgfleet_session_state=refuse. */
    private static TestNode refusing;
    /** No server_reset_query, as PgBouncer recommends for transaction pooling. */
    private static TestNode noReset;

    @BeforeAll
    static void start() throws Exception {
        refusing = TestNode.start(Postgres.shared(), "tredgeref", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.queryWaitTimeout = Duration.ofSeconds(3);
            s.sessionState = SessionStatePolicy.REFUSE;
        }, p -> p.withEventLoopThreads(1));
        noReset = TestNode.start(Postgres.shared(), "tredgenr", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.queryWaitTimeout = Duration.ofSeconds(3);
            s.serverResetQuery = "";
        }, p -> p.withEventLoopThreads(1));
        node = TestNode.start(Postgres.shared(), "tredge", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 1;
            s.queryWaitTimeout = Duration.ofSeconds(3);
            s.maxPreparedStatements = 3;
        }, p -> p.withEventLoopThreads(1));
        try (Connection c = node.connect()) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS copy_target (v text)");
        }
    }

    @AfterAll
    static void stop() {
        node.close();
        refusing.close();
        noReset.close();
    }

    private interface Scenario {
        String run(RawClient c) throws IOException;
    }

    /** The scenario's answers from PostgreSQL itself, on a connection of its own. */
    private static String direct(Scenario scenario) throws IOException {
        try (RawClient c = RawClient.open(node.postgres().port())) {
            c.login(node.user(), TestNode.PASSWORD, node.database(), Map.of());
            return scenario.run(c);
        }
    }

    /** The scenario's answers through the node; afterwards its server must be free for another client. */
    private static String pooled(Scenario scenario) throws IOException {
        String answers;
        try (RawClient c = RawClient.connect(node)) {
            answers = scenario.run(c);
            assertServerFree(c);
        }
        return answers;
    }

    /** While {@code holder} stays connected, another client gets the only server. */
    private static void assertServerFree(RawClient holder) throws IOException {
        try (RawClient other = RawClient.connect(node)) {
            other.sendQuery("SELECT 'free'");
            List<RawClient.Message> answer;
            try {
                answer = other.readUntilReady();
            } catch (IOException e) {
                fail("the first client still holds the only server after its transaction ended", e);
                return;
            }
            assertThat(summary(answer)).as("another client's query").isEqualTo("T D:free C Z");
        }
    }

    private static void assertSameAsPostgres(Scenario scenario) throws IOException {
        String expected = direct(scenario);
        assertThat(pooled(scenario)).isEqualTo(expected);
    }

    private static String runStatement(RawClient c, String name) throws IOException {
        c.bind(name);
        c.execute();
        c.sync();
        return summary(c.readUntilReady());
    }

    private static void copyData(RawClient c, String line) throws IOException {
        c.message('d', (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void copyDone(RawClient c) throws IOException {
        c.message('c', new byte[0]);
    }

    // ---- the node's own answers ------------------------------------------------------------

    @Test
    void deallocateOfAClientsStatementGivesTheServerBack() throws IOException {
        assertSameAsPostgres(c -> {
            c.parse("to_drop", "SELECT 1");
            c.sync();
            String parse = summary(c.readUntilReady());
            c.sendQuery("DEALLOCATE to_drop");
            return parse + " | " + summary(c.readUntilReady()) + " | " + runStatement(c, "to_drop");
        });
    }

    @Test
    void aCloseAnsweredByTheNodeAfterServerAnswersIsNotLost() throws IOException {
        assertSameAsPostgres(c -> {
            c.parse("closed_later", "SELECT 'x'");
            c.sync();
            String parse = summary(c.readUntilReady());
            // The server's answers to Bind and Execute and its ReadyForQuery come in one read;
            // the node's CloseComplete belongs between them.
            c.bind("closed_later");
            c.execute();
            c.closeStatement("closed_later");
            c.sync();
            return parse + " | " + summary(c.readUntilReady()) + " | " + runStatement(c, "closed_later");
        });
    }

    // ---- what the server skips after an error ---------------------------------------------

    @Test
    void aParseAndCloseOfOneNameBothSkippedLeaveNoStatement() throws IOException {
        assertSameAsPostgres(c -> {
            c.parse("", "SELECT 1/0");
            c.bind("");
            c.execute();
            c.parse("never", "SELECT 'never'");
            c.closeStatement("never");
            c.sync();
            return summary(c.readUntilReady()) + " | " + runStatement(c, "never");
        });
    }

    @Test
    void aCloseAndParseOfOneNameBothSkippedLeaveTheOldStatement() throws IOException {
        assertSameAsPostgres(c -> {
            c.parse("kept", "SELECT 'old'");
            c.sync();
            String parse = summary(c.readUntilReady());
            c.parse("", "SELECT 1/0");
            c.bind("");
            c.execute();
            c.closeStatement("kept");
            c.parse("kept", "SELECT 'new'");
            c.sync();
            return parse + " | " + summary(c.readUntilReady()) + " | " + runStatement(c, "kept");
        });
    }

    @Test
    void aSimpleQuerySentWhileTheServerSkipsToSyncIsDiscardedLikeAnyOtherMessage() throws IOException {
        assertSameAsPostgres(c -> {
            c.parse("", "SELECT 1/0");
            c.bind("");
            c.execute();
            c.sendQuery("SELECT 'discarded'");
            c.sync();
            String pipeline = summary(c.readUntilReady());
            c.sendQuery("SELECT 'after'");
            return pipeline + " | " + summary(c.readUntilReady());
        });
    }

    @Test
    void anEvictionAndReparseOfOneStatementBothSkippedLeaveTheServersCacheRight() throws IOException {
        assertSameAsPostgres(c -> {
            // max_prepared_statements = 3: the server's cache is exactly these three.
            for (int i = 0; i < 3; i++) {
                c.parse("e" + i, "SELECT 'evict" + i + "'");
            }
            c.sync();
            String parses = summary(c.readUntilReady());
            // After the failure the node's Close of e0 (evicted for e3) and its Parse of e0
            // again (for the Bind) are both skipped: the server still has e0.
            c.parse("", "SELECT 1/0");
            c.bind("");
            c.execute();
            c.parse("e3", "SELECT 'evict3'");
            c.bind("e0");
            c.execute();
            c.sync();
            String failed = summary(c.readUntilReady());
            return parses + " | " + failed + " | " + runStatement(c, "e0") + " | " + runStatement(c, "e3");
        });
    }

    // ---- COPY ----------------------------------------------------------------------------

    @Test
    void copyFromStdinInASimpleQueryGivesTheServerBack() throws IOException {
        assertSameAsPostgres(c -> {
            c.sendQuery("COPY copy_target FROM STDIN");
            List<RawClient.Message> start = new ArrayList<>();
            start.add(c.readUntil('G'));
            copyData(c, "simple");
            copyDone(c);
            c.rawOutput().flush();
            return summary(start) + " | " + summary(c.readUntilReady());
        });
    }

    @Test
    void copyFromStdinInTheExtendedProtocolGivesTheServerBack() throws IOException {
        assertSameAsPostgres(c -> {
            // As libpq does: Sync right after Execute (ignored in copy-in mode), another after CopyDone.
            c.parse("", "COPY copy_target FROM STDIN");
            c.bind("");
            c.execute();
            c.sync();
            List<RawClient.Message> start = new ArrayList<>();
            RawClient.Message m;
            do {
                m = c.read();
                start.add(m);
            } while (m.type() != 'G');
            copyData(c, "extended");
            copyDone(c);
            c.sync();
            String copy = summary(start) + " | " + summary(c.readUntilReady());
            c.sendQuery("SELECT 'after'");
            return copy + " | " + summary(c.readUntilReady());
        });
    }

    // ---- session state ---------------------------------------------------------------------

    @Test
    void aRefusedSimpleQueryIsAnsweredAndTheSessionGoesOn() throws IOException {
        try (RawClient c = RawClient.connect(refusing)) {
            c.sendQuery("LISTEN refused_channel");
            assertThat(summary(c.readUntilReady())).isEqualTo("E:0A000 Z");
            c.sendQuery("SELECT 'after'");
            assertThat(summary(c.readUntilReady())).isEqualTo("T D:after C Z");
        }
    }

    @Test
    void setRoleNeverReachesAnotherClientAndFollowsItsOwner() throws IOException {
        node.postgres().execute("CREATE ROLE tredge_other NOLOGIN", "GRANT tredge_other TO " + node.user());
        try (RawClient a = RawClient.connect(node); RawClient b = RawClient.connect(node)) {
            a.sendQuery("SET ROLE tredge_other");
            assertThat(summary(a.readUntilReady())).isEqualTo("C Z");
            b.sendQuery("SELECT current_user::text");
            assertThat(summary(b.readUntilReady())).as("the next client of the only server").isEqualTo("T D:" + node.user() + " C Z");
            a.sendQuery("SELECT current_user::text");
            assertThat(summary(a.readUntilReady())).isEqualTo("T D:tredge_other C Z");
        }
    }

    /**
     * The client leaves while the node inspects its session (held up here by a lock on
     * pg_settings): what the inspection finds must still decide the server's fate.
     */
    private static void leaveDuringInspection(String sql) throws Exception {
        try (Connection locker = noReset.postgres().connectAsSuperuser(noReset.database())) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE pg_catalog.pg_settings IN ACCESS EXCLUSIVE MODE");
            try (RawClient a = RawClient.connect(noReset)) {
                a.sendQuery(sql);
                Eventually.await(Duration.ofSeconds(10), "the inspection waits for the lock", () -> {
                    try (Connection c = noReset.postgres().connectAsSuperuser("postgres");
                         var rs = c.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
                                 + noReset.database() + "' AND wait_event_type = 'Lock'")) {
                        rs.next();
                        return rs.getInt(1) == 1;
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            Thread.sleep(300); // the node sees the client go
            locker.commit();
        }
    }

    @Test
    void aSettingMadeByAClientThatLeftDuringTheInspectionIsResetForTheNext() throws Exception {
        leaveDuringInspection("SET work_mem = '7777kB'");
        try (RawClient b = RawClient.connect(noReset)) {
            b.sendQuery("SHOW work_mem");
            assertThat(summary(b.readUntilReady())).isEqualTo("T D:4MB C Z");
        }
    }

    @Test
    void stateMadeByAClientThatLeftDuringTheInspectionNeverReachesTheNext() throws Exception {
        leaveDuringInspection("LISTEN left_behind");
        try (RawClient b = RawClient.connect(noReset)) {
            b.sendQuery("SELECT count(*) FROM pg_catalog.pg_listening_channels()");
            assertThat(summary(b.readUntilReady())).isEqualTo("T D:0 C Z");
        }
    }
}
