package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.SessionStatePolicy;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static io.pgfleet.dataplane.session.SessionStateTest.pid;
import static io.pgfleet.dataplane.session.SessionStateTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * State that cannot move between server connections, in transaction mode: with
 * pgfleet_session_state=pin the client keeps its server while it holds such state (and
 * gives it back when the state is gone); with refuse the statement that would create it
 * fails with 0A000 naming the feature and the setting. Pool of 2, one event loop.
 */
class SessionPinningTest {
    private static TestNode pinning;
    private static TestNode refusing;

    @BeforeAll
    static void start() {
        pinning = TestNode.start(Postgres.shared(), "pinning", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
            s.sessionState = SessionStatePolicy.PIN;
        }, p -> p.withEventLoopThreads(1));
        refusing = TestNode.start(Postgres.shared(), "refusing", List.of("user"), s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
            s.sessionState = SessionStatePolicy.REFUSE;
        }, p -> p.withEventLoopThreads(1));
    }

    @AfterAll
    static void stop() {
        pinning.close();
        refusing.close();
    }

    private static PoolSessionStats stats(TestNode node) {
        return node.pooler().pools().sessionStats(new PoolKey(node.database(), node.user()));
    }

    @Test
    void aListeningClientKeepsItsServerAndIsNotifiedWhileOthersUseThePool() throws Exception {
        try (Connection listener = pinning.connect(); Connection busy = pinning.connect(); Connection notifier = pinning.connect()) {
            long pinsBefore = stats(pinning).pinsTotal();
            listener.createStatement().execute("LISTEN pin_channel");
            int listenerServer = pid(listener);
            assertThat(stats(pinning).pinnedClients()).isEqualTo(1);
            assertThat(stats(pinning).pinsTotal() - pinsBefore).isEqualTo(1);

            // The two others share the one server left, never the listener's.
            for (int i = 0; i < 20; i++) {
                assertThat(pid(busy)).isNotEqualTo(listenerServer);
                assertThat(pid(notifier)).isNotEqualTo(listenerServer);
            }
            notifier.createStatement().execute("NOTIFY pin_channel, 'hello'");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertThat(got).extracting(PGNotification::getParameter).containsExactly("hello");
            assertThat(pid(listener)).isEqualTo(listenerServer);

            listener.createStatement().execute("UNLISTEN *");
            assertThat(stats(pinning).pinnedClients()).isZero();
        }
    }

    @Test
    void eachKindOfSessionStatePinsUntilItIsGone() throws SQLException {
        String[][] cases = {
                {"CREATE TEMP TABLE pinned_temp (x int)", "SELECT count(*) FROM pinned_temp", "DROP TABLE pinned_temp"},
                {"SELECT pg_advisory_lock(4242)", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
                        "SELECT pg_advisory_unlock(4242)"},
                {"PREPARE pinned_plan AS SELECT 42", "EXECUTE pinned_plan", "DEALLOCATE pinned_plan"},
                {"DECLARE pinned_cursor CURSOR WITH HOLD FOR SELECT 1", "FETCH pinned_cursor", "CLOSE pinned_cursor"},
        };
        try (Connection a = pinning.connect(); Connection b = pinning.connect()) {
            for (String[] c : cases) {
                a.createStatement().execute(c[0]);
                assertThat(stats(pinning).pinnedClients()).as(c[0]).isEqualTo(1);
                int held = pid(a);
                b.setAutoCommit(false);
                assertThat(pid(b)).as(c[0]).isNotEqualTo(held);
                a.createStatement().execute(c[1]); // still there, on the same server
                assertThat(pid(a)).as(c[0]).isEqualTo(held);
                b.commit();
                b.setAutoCommit(true);
                a.createStatement().execute(c[2]);
                assertThat(stats(pinning).pinnedClients()).as(c[2]).isZero();
            }
        }
    }

    @Test
    void aPinnedClientThatLeavesHasItsServerResetForTheNext() throws Exception {
        int server;
        try (Connection a = pinning.connect()) {
            a.createStatement().execute("CREATE TEMP TABLE left_behind (x int)");
            server = pid(a);
        }
        Eventually.await(Duration.ofSeconds(5), "unpinned on disconnect", () -> stats(pinning).pinnedClients() == 0);
        try (Connection b = pinning.connect()) {
            // The server comes back once server_reset_query ran; whichever b gets has no trace of a.
            boolean landedThere = false;
            for (int i = 0; i < 50 && !landedThere; i++) {
                String seen = scalar(b, "SELECT pg_backend_pid() || ':' || (SELECT count(*) FROM pg_class WHERE relname = 'left_behind')");
                assertThat(seen).endsWith(":0");
                landedThere = seen.equals(server + ":0");
                Thread.sleep(20);
            }
            assertThat(landedThere).as("b ran on a's old server").isTrue();
        }
    }

    @Test
    void refusedFeaturesFailWithTheFeatureAndTheSettingNamed() throws SQLException {
        String[][] cases = {
                {"LISTEN refused_channel", "LISTEN"},
                {"PREPARE refused_plan AS SELECT 1", "PREPARE"},
                {"DECLARE refused_cursor CURSOR WITH HOLD FOR SELECT 1", "WITH HOLD cursors"},
                {"SELECT pg_advisory_lock(7)", "session-level advisory locks"},
                {"CREATE TEMPORARY TABLE refused_temp (x int)", "temporary tables"},
        };
        long before = stats0(refusing);
        try (Connection c = refusing.connect()) {
            for (String[] refused : cases) {
                assertThatThrownBy(() -> c.createStatement().execute(refused[0]))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("0A000");
                            assertThat(e.getMessage()).contains(refused[1] + " is not supported in transaction pooling")
                                    .contains("pgfleet_session_state");
                        });
                assertThat(scalar(c, "SELECT 'still usable'")).isEqualTo("still usable");
            }
            // Nothing was created on the server.
            assertThat(scalar(c, "SELECT count(*) FROM pg_listening_channels()")).isEqualTo("0");
            assertThat(stats(refusing).refusalsTotal() - before).isEqualTo(cases.length);
            assertThat(stats(refusing).pinnedClients()).isZero();
        }
    }

    @Test
    void aRefusalInsideATransactionAbortsItAsAnErrorWould() throws SQLException {
        try (Connection c = refusing.connect()) {
            c.setAutoCommit(false);
            c.createStatement().execute("SELECT 1");
            assertThatThrownBy(() -> c.createStatement().execute("LISTEN in_tx")).hasMessageContaining("LISTEN is not supported");
            assertThatThrownBy(() -> c.createStatement().execute("SELECT 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
            c.rollback();
        }
    }

    @Test
    void transactionScopedStateIsAllowedUnderRefuse() throws SQLException {
        try (Connection c = refusing.connect()) {
            c.setAutoCommit(false);
            c.createStatement().execute("CREATE TEMP TABLE scratch (x int) ON COMMIT DROP");
            c.createStatement().execute("INSERT INTO scratch VALUES (1), (2)");
            assertThat(scalar(c, "SELECT pg_advisory_xact_lock(9)::text || count(*) FROM scratch")).isEqualTo("2");
            c.commit();
        }
    }

    private static long stats0(TestNode node) throws SQLException {
        try (Connection c = node.connect()) {
            c.createStatement().execute("SELECT 1"); // the pool exists once a client used it
        }
        return stats(node).refusalsTotal();
    }
}
