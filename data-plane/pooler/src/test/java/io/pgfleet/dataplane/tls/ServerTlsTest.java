package io.pgfleet.dataplane.tls;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HbaRules;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.testkit.EmbeddedPostgresServer;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
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

/**
 * server_tls_sslmode against a real PostgreSQL with ssl=on (certificate for "localhost"
 * only) and one without TLS. The server's own pg_stat_ssl says whether the node's
 * connection is encrypted.
 */
class ServerTlsTest {
    private static final String IS_SSL = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    private static PostgresServer tlsPostgres;
    private static PostgresServer plainPostgres;
    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir, @TempDir Path otherDir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        otherCa = TestCertificates.createAuthority(otherDir, "some other CA");
        TestCertificates.Issued serverCert = ca.server("postgres", "localhost", "DNS:localhost");
        tlsPostgres = EmbeddedPostgresServer.startWithTls(serverCert.cert(), serverCert.key());
        tlsPostgres.createUserAndDatabase("app", "app-secret", "appdb");
        plainPostgres = Postgres.start();
        plainPostgres.createUserAndDatabase("app", "app-secret", "appdb");
        pooler = TestNodes.start(config);
    }

    @AfterAll
    static void stop() {
        if (pooler != null) {
            pooler.close();
        }
        if (tlsPostgres != null) {
            tlsPostgres.close();
        }
        if (plainPostgres != null) {
            plainPostgres.close();
        }
    }

    private static void serverTls(TlsMode mode, Path caFile) {
        config.replace(TestNodes.config(AuthType.TRUST,
                List.of(new DatabaseTarget("byname", List.of(new HostAndPort("localhost", tlsPostgres.port())), "appdb", null, null),
                        new DatabaseTarget("byip", List.of(new HostAndPort("127.0.0.1", tlsPostgres.port())), "appdb", null, null),
                        new DatabaseTarget("notls", List.of(new HostAndPort("127.0.0.1", plainPostgres.port())), "appdb", null, null)),
                TestNodes.users(TestNodes.user("app", "app-secret")),
                TlsSettings.DISABLED, TestNodes.tls(mode, null, null, caFile), false, HbaRules.NONE));
    }

    /** Whether the node's server connection for this client is encrypted, as the server sees it. */
    private static boolean serverSideSsl(String database) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + database
                + "?sslmode=disable", "app", null);
             ResultSet rs = c.createStatement().executeQuery(IS_SSL)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void preferUsesTlsWhenTheServerHasIt() throws SQLException {
        serverTls(TlsMode.PREFER, null);
        assertThat(serverSideSsl("byip")).isTrue();
        assertThat(serverSideSsl("notls")).isFalse();
    }

    @Test
    void disableSendsNoSslRequest() throws SQLException {
        serverTls(TlsMode.DISABLE, null);
        assertThat(serverSideSsl("byip")).isFalse();
    }

    @Test
    void requireFailsAgainstAServerWithoutTls() throws SQLException {
        serverTls(TlsMode.REQUIRE, null);
        assertThat(serverSideSsl("byip")).isTrue();
        assertThatThrownBy(() -> serverSideSsl("notls"))
                .isInstanceOfSatisfying(PSQLException.class,
                        e -> assertThat(e.getMessage()).contains("server does not support SSL, but server_tls_sslmode is require"));
    }

    @Test
    void verifyFullChecksTheCaAndTheHostName() throws SQLException {
        serverTls(TlsMode.VERIFY_FULL, ca.caCert());
        assertThat(serverSideSsl("byname")).isTrue();
        // The certificate names localhost, not 127.0.0.1.
        assertThatThrownBy(() -> serverSideSsl("byip"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("TLS handshake with server failed"));
    }

    @Test
    void verifyCaChecksTheCaButNotTheHostName() throws SQLException {
        serverTls(TlsMode.VERIFY_CA, ca.caCert());
        assertThat(serverSideSsl("byip")).isTrue();
        serverTls(TlsMode.VERIFY_CA, otherCa.caCert());
        assertThatThrownBy(() -> serverSideSsl("byip"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("TLS handshake with server failed"));
    }
}
