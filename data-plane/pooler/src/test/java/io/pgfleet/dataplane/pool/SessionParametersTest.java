package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.testkit.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.Properties;

import static io.pgfleet.dataplane.pool.SessionPoolingTest.pid;
import static io.pgfleet.dataplane.pool.SessionPoolingTest.scalar;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reported session parameters in transaction mode: what a client asked for at startup, or
 * SET later, follows it to whichever server it gets, and never reaches another client.
 */
class SessionParametersTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start("sessparams", s -> {
            s.poolMode = PoolMode.TRANSACTION;
            s.defaultPoolSize = 2;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aClientsSetFollowsItAndDoesNotLeak() throws Exception {
        Properties tokyo = new Properties();
        tokyo.setProperty("ApplicationName", "client-a");
        Properties other = new Properties();
        other.setProperty("ApplicationName", "client-b");
        try (Connection a = node.connect(node.user(), tokyo); Connection b = node.connect(node.user(), other)) {
            String bZone = scalar(b, "SHOW TimeZone");
            int aServer = pid(a);
            a.createStatement().execute("SET TimeZone = 'Asia/Tokyo'");

            // b takes a's server (the most recently released) and holds it in a transaction.
            b.setAutoCommit(false);
            assertThat(pid(b)).isEqualTo(aServer);
            assertThat(scalar(b, "SHOW TimeZone")).as("a's SET did not leak to b").isEqualTo(bZone);
            assertThat(scalar(b, "SHOW application_name")).isEqualTo("client-b");

            // a now runs on the other server, which is brought in line with a.
            assertThat(pid(a)).isNotEqualTo(aServer);
            assertThat(scalar(a, "SHOW TimeZone")).isEqualTo("Asia/Tokyo");
            assertThat(scalar(a, "SHOW application_name")).isEqualTo("client-a");
            b.commit();
        }
    }
}
