package io.pgfleet.dataplane.tls;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HbaRules;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
import io.pgfleet.testkit.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** auth_type = cert: the client certificate's CN must be the user name; no password is asked. */
class ClientCertAuthTest {
    private static PostgresServer postgres;
    private static TestCertificates ca;
    private static TestCertificates.Issued nodeCert;
    private static TestCertificates.Issued appCert;
    private static TestCertificates.Issued otherUserCert;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        nodeCert = ca.server("node", "pgfleet node", "DNS:localhost");
        appCert = ca.client("app", "app");
        otherUserCert = ca.client("mallory", "mallory");
        postgres = Postgres.start();
        postgres.createUserAndDatabase("app", "app-secret", "appdb");
        pooler = TestNodes.start(config);
    }

    @AfterAll
    static void stop() {
        if (pooler != null) {
            pooler.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static void configure(TlsMode mode) {
        config.replace(TestNodes.config(AuthType.CERT,
                List.of(new DatabaseTarget("appdb", List.of(new HostAndPort(postgres.host(), postgres.port())), "appdb", null, null)),
                // The node still needs app's password for its own login to the server.
                TestNodes.users(TestNodes.user("app", "app-secret")),
                TestNodes.tls(mode, nodeCert.cert(), nodeCert.key(), ca.caCert()), TlsSettings.DISABLED, false, HbaRules.NONE));
    }

    private static Connection jdbc(String user, TestCertificates.Issued cert) throws SQLException {
        String url = "jdbc:postgresql://localhost:" + pooler.port() + "/appdb?sslmode=verify-full&sslrootcert=" + ca.caCert()
                + (cert == null ? "" : "&sslcert=" + cert.cert() + "&sslkey=" + cert.keyDer());
        // No password: a node that asked for one would fail the login here.
        return DriverManager.getConnection(url, user, null);
    }

    @Test
    void aCertificateNamingTheUserLogsInWithoutAPassword() throws SQLException {
        configure(TlsMode.VERIFY_FULL);
        try (Connection c = jdbc("app", appCert); ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("app");
        }
    }

    @Test
    void psqlLogsInWithItsCertificate() {
        assumeTrue(Psql.available(), "psql is not installed");
        configure(TlsMode.VERIFY_CA);
        Psql.Result result = Psql.runConninfo("host=localhost port=" + pooler.port() + " user=app dbname=appdb sslmode=verify-full"
                + " sslrootcert=" + ca.caCert() + " sslcert=" + appCert.cert() + " sslkey=" + appCert.key(), null, "SELECT current_user");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("app");
    }

    @Test
    void aCertificateForAnotherUserIsRefused() {
        configure(TlsMode.VERIFY_FULL);
        assertThatThrownBy(() -> jdbc("app", otherUserCert))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("certificate authentication failed for user \"app\"");
                });
    }

    @Test
    void withoutACertificateTheLoginIsRefused() {
        // prefer with a CA asks for a certificate but lets the handshake go on without one;
        // the cert method then has nothing to check.
        configure(TlsMode.PREFER);
        assertThatThrownBy(() -> jdbc("app", null))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("connection requires a valid client certificate");
                });
        assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.port()
                + "/appdb?sslmode=disable", "app", null))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
    }
}
