package io.pgfleet.dataplane.auth;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * auth_type = md5 from a userlist with all three kinds of secret: md5 hashes and plaintext
 * passwords get the md5 challenge; a user with only a SCRAM verifier gets SCRAM, as in
 * PostgreSQL and PgBouncer.
 */
class Md5AuthTypeTest {
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        PostgresServer postgres = Postgres.shared();
        postgres.createUserAndDatabase("md5plain", "plain-secret", "md5plain_db");
        postgres.createUserAndDatabase("md5scram", "scram-secret", "md5scram_db");
        Files.writeString(dir.resolve("userlist.txt"), """
                "md5plain" "plain-secret"
                "md5hashed" "%s"
                "md5scram" "%s"
                """.formatted(Md5Password.storedHash("md5hashed", "hashed-secret"), serverVerifier(postgres, "md5scram")));
        Files.writeString(dir.resolve("pgbouncer.ini"), """
                [databases]
                * = host=%s port=%d
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                auth_type = md5
                auth_file = userlist.txt
                """.formatted(postgres.host(), postgres.port()));
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.load(dir.resolve("pgbouncer.ini"));
        pooler = Pooler.start(loaded.settings(), new ConfigHolder(loaded.config()));
    }

    /** The server's own verifier, so the node can also log in to the server with it (SCRAM passthrough). */
    private static String serverVerifier(PostgresServer postgres, String role) throws Exception {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             var rs = c.createStatement().executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '" + role + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @AfterAll
    static void stop() {
        pooler.close();
    }

    private static String url(String db) {
        return "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + db + "?sslmode=disable";
    }

    @Test
    void plaintextSecretLogsInWithMd5() throws Exception {
        try (Connection c = DriverManager.getConnection(url("md5plain_db"), "md5plain", "plain-secret")) {
            assertThat(c.isValid(5)).isTrue();
        }
    }

    @Test
    void scramOnlySecretLogsInWithScram() throws Exception {
        try (Connection c = DriverManager.getConnection(url("md5scram_db"), "md5scram", "scram-secret")) {
            assertThat(c.isValid(5)).isTrue();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url("md5scram_db"), "md5scram", "wrong"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    }

    @Test
    void md5HashChecksTheChallengeResponse() {
        // The hash is right for the client; the node has no server password for this user, so
        // the login gets as far as the server and fails there, not at the client check.
        assertThatThrownBy(() -> DriverManager.getConnection(url("md5plain_db"), "md5hashed", "wrong"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed for user \"md5hashed\"");
                });
    }
}
