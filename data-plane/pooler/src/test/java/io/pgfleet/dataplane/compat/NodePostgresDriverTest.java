package io.pgfleet.dataplane.compat;

import com.google.gson.JsonParser;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.NodeScript;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * node-postgres ({@code pg} from npm, pinned in src/test/node) through a node in each pool
 * mode, two servers and one event loop each: named prepared statements, a client's SET
 * state, LISTEN, and an explicit transaction with a savepoint. Each case runs one script of
 * src/test/node (see {@link NodeScript}) and checks what it reports. Session mode gives each
 * client its own server and passes as PostgreSQL would; transaction and statement mode need
 * the node to carry named statements to whichever server a client gets, make a client's SETs
 * follow it, and keep a listening client's server for it. Statement mode refuses transaction
 * blocks, so there the scripts run without their BEGIN … COMMIT parts
 * ({@code EXPLICIT_TRANSACTIONS=0}) and the transaction script must be refused with 25001.
 */
@Driver(value = "node-postgres (pg) {version}", notes = "The scripts of data-plane/pooler/src/test/node, run with Node.js. "
        + "In statement mode they run without their explicit transactions (EXPLICIT_TRANSACTIONS=0).")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodePostgresDriverTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String DEFAULT_SEARCH_PATH = "\"$user\", public";
    private static final String WITHOUT_TRANSACTIONS = "without the script's BEGIN … COMMIT (EXPLICIT_TRANSACTIONS=0)";

    private static ModeNodes nodes;

    @BeforeAll
    static void start() {
        // Installs node-postgres first, so a missing node or npm fails here, said plainly.
        Path installed = NodeScript.install();
        Compat.driverVersion(installedVersion(installed));
        Compat.environment("Node.js", nodeVersion());
        // One event loop: the pool then hands out the most recently released server, so
        // the session-state scenario can make client A move between servers (with several
        // loops, each client would keep getting the server on its own loop).
        nodes = ModeNodes.start("nodepg");
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    /** The environment a script runs with in this mode: no explicit transactions in statement mode. */
    private static Map<String, String> env(PoolMode mode, Map<String, String> more) {
        Map<String, String> env = new LinkedHashMap<>(more);
        env.put("EXPLICIT_TRANSACTIONS", mode == PoolMode.STATEMENT ? "0" : "1");
        return env;
    }

    @Order(1)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Named prepared statements ({name, text, values}) from 20 concurrent clients")
    void namedPreparedStatementsFromTwentyClientsAllGiveTheRightRow(PoolMode mode) {
        int clients = 20;
        int iterations = 200;
        long expected = clients * iterations * 4L; // four named statements per client and iteration (see prepared.js)
        NodeScript.Result r = NodeScript.run(nodes.get(mode), "prepared.js",
                env(mode, Map.of("CLIENTS", Integer.toString(clients), "ITERATIONS", Integer.toString(iterations))), TIMEOUT);

        assertSoftly(soft -> {
            soft.assertThat(r.number("errors")).as("queries that failed: %s", r.json().get("errorMessages")).isZero();
            soft.assertThat(r.number("wrong")).as("queries that returned a wrong row, e.g. %s", r.json().get("wrongSamples")).isZero();
            soft.assertThat(r.number("correct")).as("queries that returned the right row").isEqualTo(expected);
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
        noteWithoutTransactions(mode);
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("SET search_path and statement_timeout follow their client and reach no other")
    void aClientsSearchPathAndStatementTimeoutFollowItAndNeverReachAnother(PoolMode mode) {
        long rounds = 50;
        NodeScript.Result r = NodeScript.run(nodes.get(mode), "session_state.js", env(mode, Map.of("ROUNDS", Long.toString(rounds))), TIMEOUT);

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
        noteWithoutTransactions(mode);
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("LISTEN: notified while idle as other clients use the pool")
    void aListeningClientIsNotifiedWhileOthersUseThePool(PoolMode mode) throws SQLException {
        TestNode node = nodes.get(mode);
        long pinsBefore = pinsTotal(node);
        NodeScript.Result r = NodeScript.run(node, "listen.js",
                env(mode, Map.of("TRANSACTIONS", "50", "NOTIFY_TIMEOUT_MS", "5000")), TIMEOUT);

        assertSoftly(soft -> {
            soft.assertThat(r.number("bTransactions")).as("B's transactions").isEqualTo(50);
            soft.assertThat(r.text("received")).as("A notified within 5 s without sending anything").isEqualTo("true");
            soft.assertThat(r.text("payload")).as("payload A got").isEqualTo("x");
            soft.assertThat(r.array("notificationsOnB")).as("notifications B got").isEmpty();
            soft.assertThat(r.array("notificationsOnC")).as("notifications C got").isEmpty();
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
        if (mode != PoolMode.SESSION) {
            assertThat(ModeNodes.stats(node).pinsTotal() - pinsBefore).as("pins").isEqualTo(1);
            Compat.note(Compat.PINNED);
        }
        noteWithoutTransactions(mode);
    }

    @Order(4)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Explicit transaction with a savepoint (BEGIN … ROLLBACK TO SAVEPOINT … COMMIT)")
    void anExplicitTransactionWithASavepoint(PoolMode mode) throws SQLException {
        TestNode node = nodes.get(mode);
        try (Connection c = node.connect()) {
            c.createStatement().execute("DROP TABLE IF EXISTS nodepg_tx");
            c.createStatement().execute("CREATE TABLE nodepg_tx (n int)");
        }
        NodeScript.Result r = NodeScript.run(node, "transaction.js", Map.of("TABLE", "nodepg_tx"), TIMEOUT);
        if (mode == PoolMode.STATEMENT) {
            assertSoftly(soft -> {
                soft.assertThat(r.text("error", "code")).as(r.describe()).isEqualTo("25001");
                soft.assertThat(r.text("error", "message"))
                        .isEqualTo("transaction blocks are not allowed in statement pooling mode (pool_mode=statement)");
            });
            try (Connection direct = ModeNodes.direct(node);
                 ResultSet rs = direct.createStatement().executeQuery("SELECT count(*) FROM nodepg_tx")) {
                rs.next();
                assertThat(rs.getInt(1)).as("rows committed").isZero();
            }
            Compat.note(Compat.REFUSED_IN_STATEMENT_MODE);
            return;
        }
        assertSoftly(soft -> {
            soft.assertThat(r.json() == null ? null : r.json().get("error").isJsonNull()).as("no error: %s", r.describe()).isTrue();
            soft.assertThat(r.array("committed").toString()).isEqualTo("[1,3]");
            soft.assertThat(r.exitCode()).as(r.describe()).isZero();
        });
    }

    private static void noteWithoutTransactions(PoolMode mode) {
        if (mode == PoolMode.STATEMENT) {
            Compat.note(WITHOUT_TRANSACTIONS);
        }
    }

    private static long pinsTotal(TestNode node) throws SQLException {
        if (ModeNodes.stats(node) == null) {
            try (Connection c = node.connect()) {
                c.createStatement().execute("SELECT 1"); // the pool exists once a client used it
            }
        }
        return ModeNodes.stats(node).pinsTotal();
    }

    /** The pg version npm installed (package-lock.json pins it). */
    private static String installedVersion(Path installed) {
        try {
            return JsonParser.parseString(Files.readString(installed.resolve("node_modules/pg/package.json")))
                    .getAsJsonObject().get("version").getAsString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(30, TimeUnit.SECONDS);
            return version;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
