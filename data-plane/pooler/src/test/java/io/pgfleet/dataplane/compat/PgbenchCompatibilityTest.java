package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Pgbench;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real pgbench through a node in each pool mode: initialization, and short runs (4
 * clients, 20 transactions each) of the builtin tpcb-like and select-only scripts with each
 * query protocol, simple, extended and prepared (named statements P0_0..., prepared once per
 * connection and then only bound, on whichever server a transaction lands). tpcb-like wraps
 * every transaction in BEGIN … END, which statement mode refuses by design. The session-mode
 * node has pool_size 4, one server per pgbench client; the others 2.
 *
 * <p>Every run drives its 4 clients from one pgbench thread ({@code -j 1}), more clients than
 * servers. pgbench prepares each statement with a blocking {@code PQprepare} (Parse, Sync);
 * if that needed a server, a client preparing would stall its thread while the thread's
 * other clients hold every server inside BEGIN … END, until query_wait_timeout. The node
 * answers a PQprepare of a statement its pool already knows without a server
 * (docs/transaction-mode.md), so this runs through.
 */
@Driver(value = "pgbench {version}", notes = "Scale 1; runs are -n -c 4 -j 1 -t 20 (session-mode node: pool_size 4): "
        + "four clients on one pgbench thread, more clients than servers in transaction and statement mode. pgbench "
        + "prepares with a blocking PQprepare; the node answers it without a server once its pool knows the statement, "
        + "so a thread whose other clients hold every server inside BEGIN … END does not stall.")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgbenchCompatibilityTest {
    private static final int CLIENTS = 4;
    private static final int TRANSACTIONS = 20;
    private static ModeNodes nodes;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(Pgbench.available(), "pgbench is not installed");
        Compat.driverVersion(Pgbench.version());
        nodes = ModeNodes.start("compat_pgbench", (mode, s) -> {
            if (mode == PoolMode.SESSION) {
                s.defaultPoolSize = CLIENTS;
            }
        });
        for (PoolMode mode : PoolMode.values()) {
            initializeDirectly(nodes.get(mode));
        }
    }

    @AfterAll
    static void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    /** pgbench's tables at scale 1, made straight on PostgreSQL as the node's user. */
    private static void initializeDirectly(TestNode node) {
        Pgbench.Result init = Pgbench.run(node.postgres().port(), node.user(), TestNode.PASSWORD, node.database(),
                "-i", "-s", "1", "-q", "-I", "dtgp");
        assertThat(init.exitCode()).as(init.output()).isZero();
    }

    @Order(1)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -i (initialize, scale 1)")
    void initialize(PoolMode mode) {
        TestNode node = nodes.get(mode);
        Pgbench.Result r = Pgbench.run(node.port(), node.user(), TestNode.PASSWORD, node.database(), "-i", "-s", "1", "-q");
        if (mode == PoolMode.STATEMENT) {
            // Data generation runs in a transaction block (BEGIN; TRUNCATE; COPY; COMMIT).
            assertRefused(r);
            initializeDirectly(node); // tables without rows would make the select-only runs meaningless
            return;
        }
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("done in");
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M simple, tpcb-like (BEGIN … END)")
    void simpleTpcb(PoolMode mode) {
        tpcb(mode, "simple");
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M extended, tpcb-like (BEGIN … END)")
    void extendedTpcb(PoolMode mode) {
        tpcb(mode, "extended");
    }

    @Order(4)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M prepared, tpcb-like (BEGIN … END)")
    void preparedTpcb(PoolMode mode) {
        tpcb(mode, "prepared");
    }

    @Order(5)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M simple -S (select-only)")
    void simpleSelectOnly(PoolMode mode) {
        selectOnly(mode, "simple");
    }

    @Order(6)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M extended -S (select-only)")
    void extendedSelectOnly(PoolMode mode) {
        selectOnly(mode, "extended");
    }

    @Order(7)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("pgbench -M prepared -S (select-only)")
    void preparedSelectOnly(PoolMode mode) {
        selectOnly(mode, "prepared");
    }

    private static void tpcb(PoolMode mode, String protocol) {
        Pgbench.Result r = bench(mode, "-M", protocol);
        if (mode == PoolMode.STATEMENT) {
            assertRefused(r);
            assertThat(r.processed()).as(r.output()).isLessThanOrEqualTo(0);
            return;
        }
        assertRan(r);
    }

    private static void selectOnly(PoolMode mode, String protocol) {
        assertRan(bench(mode, "-M", protocol, "-S"));
    }

    private static Pgbench.Result bench(PoolMode mode, String... arguments) {
        TestNode node = nodes.get(mode);
        List<String> all = new ArrayList<>(List.of("-n", "-c", Integer.toString(CLIENTS), "-j", "1",
                "-t", Integer.toString(TRANSACTIONS)));
        all.addAll(List.of(arguments));
        return Pgbench.run(node.port(), node.user(), TestNode.PASSWORD, node.database(), all.toArray(String[]::new));
    }

    private static void assertRan(Pgbench.Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.processed()).as(r.output()).isEqualTo((long) CLIENTS * TRANSACTIONS);
        assertThat(r.failed()).as(r.output()).isZero();
    }

    private static void assertRefused(Pgbench.Result r) {
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("transaction blocks are not allowed in statement pooling mode (pool_mode=statement)");
        Compat.note(Compat.REFUSED_IN_STATEMENT_MODE);
    }
}
