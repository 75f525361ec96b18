package io.pgfleet.dataplane.auth;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The node logs in to servers that ask for md5 or a cleartext password (the test
 * PostgreSQL's pg_hba.conf says md5 for roles srvmd5_*, password for srvpw_*; SCRAM is
 * covered by every other test).
 */
class ServerAuthMethodsTest {
    private static PostgresServer postgres;
    private static Pooler pooler;

    @BeforeAll
    static void start() throws Exception {
        postgres = Postgres.shared();
        postgres.execute("SET password_encryption = 'md5'",
                "CREATE ROLE srvmd5_user LOGIN PASSWORD 'md5-secret'",
                "CREATE DATABASE srvmd5_db OWNER srvmd5_user",
                "SET password_encryption = 'scram-sha-256'",
                "CREATE ROLE srvpw_user LOGIN PASSWORD 'cleartext-secret'",
                "CREATE DATABASE srvpw_db OWNER srvpw_user");
        NodeConfig config = new NodeConfig(AuthType.TRUST,
                Map.of("srvmd5_db", target("srvmd5_db"), "srvpw_db", target("srvpw_db")),
                Map.of("srvmd5_user", new UserEntry("srvmd5_user", null, null, "md5-secret"),
                        "srvpw_user", new UserEntry("srvpw_user", null, null, "cleartext-secret")));
        pooler = Pooler.start(PoolerSettings.defaults("127.0.0.1", 0), new ConfigHolder(config));
    }

    private static DatabaseTarget target(String db) {
        return new DatabaseTarget(db, List.of(new HostAndPort(postgres.host(), postgres.port())), db, null, null);
    }

    @AfterAll
    static void stop() {
        pooler.close();
    }

    private static String whoAmI(String db, String user) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + db
                + "?sslmode=disable", user, "");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void md5ServerLogin() throws Exception {
        assertThat(whoAmI("srvmd5_db", "srvmd5_user")).isEqualTo("srvmd5_user");
    }

    @Test
    void cleartextServerLogin() throws Exception {
        assertThat(whoAmI("srvpw_db", "srvpw_user")).isEqualTo("srvpw_user");
    }

    @Test
    void aWrongServerPasswordIsTheServersOwn28P01() {
        postgres.execute("SET password_encryption = 'md5'", "CREATE ROLE srvmd5_wrong LOGIN PASSWORD 'right'");
        NodeConfig wrong = new NodeConfig(AuthType.TRUST, Map.of("srvmd5_db", target("srvmd5_db")),
                Map.of("srvmd5_wrong", new UserEntry("srvmd5_wrong", null, null, "not-right")));
        try (Pooler other = Pooler.start(PoolerSettings.defaults("127.0.0.1", 0), new ConfigHolder(wrong))) {
            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + other.port()
                    + "/srvmd5_db?sslmode=disable", "srvmd5_wrong", ""))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28P01");
                        assertThat(e.getMessage()).contains("password authentication failed for user \"srvmd5_wrong\"");
                    });
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
