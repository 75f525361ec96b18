package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.Pgbench;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The real pgbench through the node in transaction mode: 20 clients on 4 server connections, no failure. */
class PgbenchTransactionModeTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        assumeTrue(Pgbench.available(), "pgbench is not installed");
        node = TestNode.start("pgbench", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 4;
        });
        Pgbench.Result init = Pgbench.run(node.port(), node.user(), TestNode.PASSWORD, node.database(), "-i", "-s", "1", "-q");
        assertThat(init.exitCode()).as(init.output()).isZero();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void tpcbLikeWithTheSimpleProtocol() {
        Pgbench.Result run = Pgbench.run(node.port(), node.user(), TestNode.PASSWORD, node.database(),
                "-c", "20", "-j", "2", "-t", "50", "-M", "simple");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.processed()).isEqualTo(20 * 50);
        assertThat(run.failed()).isZero();
        assertThat(node.serverConnectionsSeenByPostgres()).isLessThanOrEqualTo(4);
    }

    @Test
    void selectOnlyWithTheExtendedProtocol() {
        Pgbench.Result run = Pgbench.run(node.port(), node.user(), TestNode.PASSWORD, node.database(),
                "-c", "20", "-j", "2", "-t", "100", "-S", "-M", "extended");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.processed()).isEqualTo(20 * 100);
        assertThat(run.failed()).isZero();
    }
}
