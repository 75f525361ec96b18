package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.NodeScript;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * node-postgres ({@code pg} from npm, pinned in src/test/node) through a node, in session
 * mode and in transaction mode with two servers: named prepared statements, a client's
 * SET state, and LISTEN. Each case runs one script of src/test/node (see
 * {@link NodeScript}) and checks what it reports. Session mode gives each client its own
 * server and passes as PostgreSQL would; transaction mode needs the node to carry named
 * statements to whichever server a client gets, make a client's SETs follow it, and keep a
 * listening client's server for it.
 */
class NodePostgresDriverTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String DEFAULT_SEARCH_PATH = "\"$user\", public";

    private static TestNode session;
    private static TestNode transaction;

    @BeforeAll
    static void start() {
        // Installs node-postgres first, so a missing node or npm fails here, said plainly.
        NodeScript.install();
        session = TestNode.start("nodepg_session", s -> {
            s.poolMode = PoolMode.SESSION;
            s.defaultPoolSize = 2;
        });
        // One event loop: the pool then hands out the most recently released server, so
        // the session-state scenario can make client A move between servers (with several
        // loops, each client would keep getting the server on its own loop).
        transaction = TestNode.start(Postgres.shared(), "nodepg_tx", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        }, p -> p.withEventLoopThreads(1));
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.close();
        }
        if (transaction != null) {
            transaction.close();
        }
    }

    private static TestNode node(PoolMode mode) {
        return mode == PoolMode.SESSION ? session : transaction;
    }

    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(value = PoolMode.class, names = {"SESSION", "TRANSACTION"})
    void namedPreparedStatementsFromTwentyClientsAllGiveTheRightRow(PoolMode mode) {
        int clients = 20;
        int iterations = 200;
        long expected = clients * iterations * 4L; // four named statements per client and iteration (see prepared.js)
        NodeScript.Result r = NodeScript.run(node(mode), "prepared.js",
                Map.of("CLIENTS", Integer.toString(clients), "ITERATIONS", Integer.toString(iterations)), TIMEOUT);

        assertSoftly(soft -> {
            soft.assertThat(r.number("errors")).as("queries that failed: %s", r.json().get("errorMessages")).isZero();
            soft.assertThat(r.number("wrong")).as("queries that returned a wrong row, e.g. %s", r.json().get("wrongSamples")).isZero();
            soft.assertThat(r.number("correct")).as("queries that returned the right row").isEqualTo(expected);
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
    }

    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(value = PoolMode.class, names = {"SESSION", "TRANSACTION"})
    void aClientsSearchPathAndStatementTimeoutFollowItAndNeverReachAnother(PoolMode mode) {
        long rounds = 50;
        NodeScript.Result r = NodeScript.run(node(mode), "session_state.js", Map.of("ROUNDS", Long.toString(rounds)), TIMEOUT);

        assertSoftly(soft -> {
            // B: PostgreSQL's defaults before A's SET, and only them afterwards.
            soft.assertThat(r.text("b", "baseline", "searchPath")).as("B's search_path before A's SET").isEqualTo(DEFAULT_SEARCH_PATH);
            soft.assertThat(r.text("b", "baseline", "statementTimeout")).as("B's statement_timeout before A's SET").isEqualTo("0");
            soft.assertThat(r.counts("b", "searchPath")).as("B's search_path").isEqualTo(Map.of(DEFAULT_SEARCH_PATH, rounds));
            soft.assertThat(r.counts("b", "statementTimeout")).as("B's statement_timeout").isEqualTo(Map.of("0", rounds));
            soft.assertThat(r.counts("b", "currentSchema")).as("B's current_schema()").isEqualTo(Map.of("public", rounds));
            soft.assertThat(r.text("b", "sleep")).as("B's pg_sleep(1.5)").isEqualTo("completed");

            // A: its own SETs in every later transaction, wherever it runs.
            soft.assertThat(r.counts("a", "searchPath")).as("A's search_path").isEqualTo(Map.of("a_schema, public", rounds));
            soft.assertThat(r.counts("a", "statementTimeout")).as("A's statement_timeout").isEqualTo(Map.of("1234ms", rounds));
            soft.assertThat(r.counts("a", "currentSchema")).as("A's current_schema()").isEqualTo(Map.of("a_schema", rounds));
            soft.assertThat(r.text("a", "sleep")).as("A's pg_sleep(1.5) under statement_timeout 1234ms")
                    .startsWith("error 57014");
            if (mode == PoolMode.TRANSACTION) {
                // B holds a server in odd rounds, so A used both: its settings had to follow it.
                soft.assertThat(r.array("a", "serverPids")).as("servers A ran on").hasSize(2);
            }
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
    }

    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(value = PoolMode.class, names = {"SESSION", "TRANSACTION"})
    void aListeningClientIsNotifiedWhileOthersUseThePool(PoolMode mode) {
        NodeScript.Result r = NodeScript.run(node(mode), "listen.js",
                Map.of("TRANSACTIONS", "50", "NOTIFY_TIMEOUT_MS", "5000"), TIMEOUT);

        assertSoftly(soft -> {
            soft.assertThat(r.number("bTransactions")).as("B's transactions").isEqualTo(50);
            soft.assertThat(r.text("received")).as("A notified within 5 s without sending anything").isEqualTo("true");
            soft.assertThat(r.text("payload")).as("payload A got").isEqualTo("x");
            soft.assertThat(r.array("notificationsOnB")).as("notifications B got").isEmpty();
            soft.assertThat(r.array("notificationsOnC")).as("notifications C got").isEmpty();
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
    }
}
