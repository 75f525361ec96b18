package io.pgfleet.dataplane.auth;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolerConfig;
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
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SCRAM ClientKey passthrough: the node holds only the server's own SCRAM verifier (no
 * password anywhere), checks the client's proof against it, and logs in to the server
 * with the ClientKey recovered from that proof.
 */
class ScramPassthroughTest {
    private static PostgresServer postgres;
    private static Pooler pooler;

    @BeforeAll
    static void start() throws Exception {
        postgres = Postgres.shared();
        postgres.createUserAndDatabase("passthru", "only-the-client-knows", "passthru_db");
        postgres.createUserAndDatabase("otherverifier", "also-secret", "otherverifier_db");
        ScramVerifier serverVerifier = ScramVerifier.parse(storedVerifier("passthru"));
        // Same password, different salt: the proof checks out, but its key is not the server's.
        ScramVerifier differentSalt = ScramVerifier.fromPassword("also-secret", 4096);
        NodeConfig config = new NodeConfig(AuthType.SCRAM_SHA_256,
                Map.of("passthru_db", target("passthru_db"), "otherverifier_db", target("otherverifier_db")),
                Map.of("passthru", new UserEntry("passthru", serverVerifier, null, null),
                        "otherverifier", new UserEntry("otherverifier", differentSalt, null, null)),
                withMode(), null);
        pooler = Pooler.start(PoolerSettings.defaults("127.0.0.1", 0), new ConfigHolder(config));
    }

    private static PoolerConfig withMode() {
        PoolerConfig.Builder b = PoolerConfig.DEFAULTS.toBuilder();
        b.poolMode = PoolMode.TRANSACTION;
        return b.build();
    }

    private static DatabaseTarget target(String db) {
        return new DatabaseTarget(db, List.of(new HostAndPort(postgres.host(), postgres.port())), db, null, null);
    }

    private static String storedVerifier(String role) throws SQLException {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @AfterAll
    static void stop() {
        pooler.close();
    }

    private static String url(String db) {
        return "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + db + "?sslmode=disable&prepareThreshold=1";
    }

    @Test
    void theNodeLogsInToTheServerWithTheKeyFromTheClientsProof() throws SQLException {
        try (Connection c = DriverManager.getConnection(url("passthru_db"), "passthru", "only-the-client-knows");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user, inet_server_port()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("passthru");
            assertThat(rs.getInt(2)).isEqualTo(postgres.port());
        }
        // A second client reuses the pool; a third with a wrong password is refused as usual.
        try (Connection c = DriverManager.getConnection(url("passthru_db"), "passthru", "only-the-client-knows")) {
            assertThat(c.isValid(5)).isTrue();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url("passthru_db"), "passthru", "wrong"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void aVerifierThatIsNotTheServersCannotPassThroughAndSaysWhy() {
        assertThatThrownBy(() -> DriverManager.getConnection(url("otherverifier_db"), "otherverifier", "also-secret"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("verifier differs from the server's");
                });
    }
}
