package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.testkit.RawClient;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static io.pgfleet.testkit.RawClient.errorMessage;
import static io.pgfleet.testkit.RawClient.summary;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Named prepared statements in transaction mode, message by message with a raw v3 client:
 * a client's statements work on whichever server it lands on, and every answer is the one
 * PostgreSQL would give a client with its own connection. Pool of 2, so a second client
 * holding one server in a transaction sends the first to the other.
 */
class PreparedStatementsTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(io.pgfleet.testkit.Postgres.shared(), "prepstmt", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
            s.maxPreparedStatements = 3;
        }, p -> p.withEventLoopThreads(1));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static RawClient client() throws IOException {
        return RawClient.connect(node);
    }

    /** Runs a query in a transaction this client keeps open: the server it holds is nobody else's until COMMIT. */
    private static int holdServer(RawClient holder) throws IOException {
        holder.sendQuery("BEGIN; SELECT pg_backend_pid()");
        return Integer.parseInt(holder.readRowsUntilReadyForQuery(1).get(0));
    }

    private static void release(RawClient holder) throws IOException {
        holder.sendQuery("COMMIT");
        holder.readRowsUntilReadyForQuery(1);
    }

    private static List<RawClient.Message> runStatement(RawClient c, String name) throws IOException {
        c.bind(name);
        c.execute();
        c.sync();
        return c.readUntilReady();
    }

    @Test
    void aStatementPreparedOnOneServerIsDescribedAndRunOnAnother() throws IOException {
        try (RawClient a = client(); RawClient b = client()) {
            a.parse("S_1", "SELECT pg_backend_pid()::text || ':' || 41 + 1");
            a.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("1 Z");
            a.bind("S_1");
            a.execute();
            a.sync();
            String first = summary(a.readUntilReady());
            int firstServer = Integer.parseInt(first.substring("2 D:".length(), first.indexOf(':', 4)));

            int held = holdServer(b);
            assertThat(held).as("b holds the server a prepared S_1 on").isEqualTo(firstServer);
            // Describe before Bind, on the other server, where the node has to prepare S_1 first.
            a.describeStatement("S_1");
            a.bind("S_1");
            a.execute();
            a.sync();
            List<RawClient.Message> answer = a.readUntilReady();
            assertThat(summary(answer)).matches("t T 2 D:\\d+:42 C Z");
            assertThat(summary(answer)).doesNotContain("D:" + firstServer + ":");
            release(b);
        }
    }

    @Test
    void parseErrorsAreReportedAsPostgresReportsThem() throws IOException {
        try (RawClient a = client()) {
            a.parse("bad", "SELEKT 1");
            a.sync();
            List<RawClient.Message> answer = a.readUntilReady();
            assertThat(summary(answer)).isEqualTo("E:42601 Z");
            assertThat(errorMessage(answer)).isEqualTo("syntax error at or near \"SELEKT\"");

            // The failed Parse prepared nothing.
            List<RawClient.Message> bind = runStatement(a, "bad");
            assertThat(summary(bind)).isEqualTo("E:26000 Z");
            assertThat(errorMessage(bind)).isEqualTo("prepared statement \"bad\" does not exist");
        }
    }

    @Test
    void aNameUsedTwiceIsAnErrorAndTheRestOfThePipelineIsSkipped() throws IOException {
        try (RawClient a = client()) {
            a.parse("dup", "SELECT 1");
            a.parse("dup", "SELECT 2");
            a.bind("dup");
            a.execute();
            a.sync();
            List<RawClient.Message> answer = a.readUntilReady();
            assertThat(summary(answer)).isEqualTo("1 E:42P05 Z");
            assertThat(errorMessage(answer)).isEqualTo("prepared statement \"dup\" already exists");
            assertThat(summary(runStatement(a, "dup"))).isEqualTo("2 D:1 C Z");
        }
    }

    @Test
    void twoClientsMayGiveTheSameNameToDifferentStatements() throws IOException {
        try (RawClient a = client(); RawClient b = client()) {
            a.parse("q", "SELECT 'a'");
            b.parse("q", "SELECT 'b'");
            a.sync();
            b.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("1 Z");
            assertThat(summary(b.readUntilReady())).isEqualTo("1 Z");
            for (int i = 0; i < 5; i++) {
                assertThat(summary(runStatement(a, "q"))).isEqualTo("2 D:a C Z");
                assertThat(summary(runStatement(b, "q"))).isEqualTo("2 D:b C Z");
            }
        }
    }

    @Test
    void closeAndDeallocateForgetTheClientsNameOnly() throws IOException {
        try (RawClient a = client(); RawClient b = client()) {
            for (RawClient c : List.of(a, b)) {
                c.parse("shared", "SELECT 7");
                c.parse("other", "SELECT 8");
                c.sync();
                assertThat(summary(c.readUntilReady())).isEqualTo("1 1 Z");
            }
            a.closeStatement("shared");
            a.closeStatement("never_prepared"); // no error in PostgreSQL either
            a.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("3 3 Z");
            assertThat(summary(runStatement(a, "shared"))).isEqualTo("E:26000 Z");

            a.sendQuery("DEALLOCATE other");
            assertThat(summary(a.readUntilReady())).isEqualTo("C Z");
            assertThat(summary(runStatement(a, "other"))).isEqualTo("E:26000 Z");

            // b's statements of the same text are untouched, wherever b runs.
            assertThat(summary(runStatement(b, "shared"))).isEqualTo("2 D:7 C Z");
            assertThat(summary(runStatement(b, "other"))).isEqualTo("2 D:8 C Z");
        }
    }

    @Test
    void deallocateAllAndDiscardAllDropTheClientsStatementsAndNoOneElses() throws IOException {
        for (String dropAll : List.of("DEALLOCATE ALL", "DISCARD ALL")) {
            try (RawClient a = client(); RawClient b = client()) {
                a.parse("x", "SELECT 'x'");
                a.sync();
                b.parse("y", "SELECT 'y'");
                b.sync();
                a.readUntilReady();
                b.readUntilReady();
                a.sendQuery(dropAll);
                assertThat(summary(a.readUntilReady())).as(dropAll).isEqualTo("C Z");
                assertThat(summary(runStatement(a, "x"))).as(dropAll).isEqualTo("E:26000 Z");
                // The server lost every statement; b's is prepared again where b lands.
                assertThat(summary(runStatement(b, "y"))).as(dropAll).isEqualTo("2 D:y C Z");
            }
        }
    }

    @Test
    void aFailureInAPipelineUndoesTheParsesTheServerSkipped() throws IOException {
        try (RawClient a = client()) {
            a.parse("ok", "SELECT 'fine'");
            a.parse("", "SELECT 1/0");
            a.bind("");
            a.execute();
            a.parse("skipped", "SELECT 'never'");
            a.sync();
            assertThat(summary(a.readUntilReady())).as("1/0 is folded when planned: Bind fails").isEqualTo("1 1 E:22012 Z");
            assertThat(summary(runStatement(a, "ok"))).isEqualTo("2 D:fine C Z");
            assertThat(summary(runStatement(a, "skipped"))).isEqualTo("E:26000 Z");
            // The name is free, as in PostgreSQL, where the skipped Parse never ran.
            a.parse("skipped", "SELECT 'now'");
            a.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("1 Z");
            assertThat(summary(runStatement(a, "skipped"))).isEqualTo("2 D:now C Z");
        }
    }

    @Test
    void eachServerKeepsAtMostMaxPreparedStatementsAndEvictsTheLeastRecentlyUsed() throws IOException {
        try (RawClient a = client()) {
            PoolSessionStats stats = node.pooler().pools().sessionStats(new PoolKey(node.database(), node.user()));
            long evictedBefore = stats.statementEvictionsTotal();
            for (int i = 0; i < 6; i++) {
                a.parse("s" + i, "SELECT " + i + " AS lru_test");
            }
            a.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("1 1 1 1 1 1 Z");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 6; i++) {
                    assertThat(summary(runStatement(a, "s" + i))).isEqualTo("2 D:" + i + " C Z");
                }
            }
            a.sendQuery("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%lru_test'");
            assertThat(Integer.parseInt(a.readRowsUntilReadyForQuery(1).get(0))).isLessThanOrEqualTo(3);
            assertThat(stats.statementEvictionsTotal() - evictedBefore).isGreaterThan(0);
        }
    }

    @Test
    void aPrepareOfAStatementTheServersKnowIsAnsweredWhileEveryServerIsBusy() throws IOException {
        try (RawClient first = client(); RawClient b = client(); RawClient c = client(); RawClient a = client()) {
            first.parse("known", "SELECT 'known' AS answer_without_server");
            first.sync();
            assertThat(summary(first.readUntilReady())).isEqualTo("1 Z");

            holdServer(b);
            holdServer(c);
            // Both servers are held: libpq's PQprepare (Parse, Sync) gets its answer from the node.
            a.socket().setSoTimeout(5_000);
            a.parse("mine", "SELECT 'known' AS answer_without_server");
            a.sync();
            assertThat(summary(a.readUntilReady())).isEqualTo("1 Z");
            release(b);
            release(c);
            a.socket().setSoTimeout(30_000);
            assertThat(summary(runStatement(a, "mine"))).isEqualTo("2 D:known C Z");
        }
    }

    @Test
    void unnamedStatementsPassAsTheyCame() throws IOException {
        try (RawClient a = client()) {
            a.sendExtended("SELECT 'one'", "SELECT 'two'");
            assertThat(a.readRowsUntilReadyForQuery(2)).containsExactly("one", "two");
        }
    }
}
