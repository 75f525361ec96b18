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
import io.pgfleet.testkit.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
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
 * Direct TLS (PostgreSQL 17's sslnegotiation=direct): the connection starts with a TLS
 * handshake, no SSLRequest, and ALPN "postgresql" is required.
 */
class DirectTlsTest {
    private static PostgresServer postgres;
    private static TestCertificates ca;
    private static TestCertificates.Issued nodeCert;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;
    private static SSLContext trustingCa;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        nodeCert = ca.server("node", "pgfleet node", "DNS:localhost");
        trustingCa = TlsProbe.trusting(ca.caCert());
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

    private static void clientTls(TlsMode mode) {
        config.replace(TestNodes.config(AuthType.SCRAM_SHA_256,
                List.of(new DatabaseTarget("appdb", List.of(new HostAndPort(postgres.host(), postgres.port())), "appdb", null, null)),
                TestNodes.users(TestNodes.user("app", "app-secret")),
                TestNodes.tls(mode, nodeCert.cert(), nodeCert.key(), null), TlsSettings.DISABLED, false, HbaRules.NONE));
    }

    private static Connection direct() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + pooler.port()
                + "/appdb?sslmode=verify-full&sslNegotiation=direct&sslrootcert=" + ca.caCert(), "app", "app-secret");
    }

    @Test
    void pgjdbcLogsInWithDirectTls() throws SQLException {
        clientTls(TlsMode.REQUIRE); // require: proves the node counts a direct TLS client as encrypted
        try (Connection c = direct(); ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("app");
        }
    }

    @Test
    void aDirectTlsClientWithAlpnPostgresqlGetsThroughToAuthentication() throws IOException {
        clientTls(TlsMode.PREFER);
        try (SSLSocket tls = TlsProbe.direct(pooler.port(), trustingCa, "postgresql")) {
            assertThat(tls.getApplicationProtocol()).isEqualTo("postgresql");
            TlsProbe.sendStartup(tls, "app", "appdb");
            TlsProbe.Message answer = TlsProbe.readMessage(tls);
            assertThat(answer.type()).as(answer.text()).isEqualTo('R'); // AuthenticationSASL
            assertThat(answer.text()).contains("SCRAM-SHA-256");
        }
    }

    @Test
    void aDirectTlsClientWithoutAlpnIsRefused() throws IOException {
        clientTls(TlsMode.PREFER);
        try (SSLSocket tls = TlsProbe.direct(pooler.port(), trustingCa)) {
            TlsProbe.sendStartup(tls, "app", "appdb");
            TlsProbe.Message answer = TlsProbe.readMessage(tls);
            assertThat(answer.type()).isEqualTo('E');
            assertThat(answer.text()).contains("08P01").contains("without ALPN");
        }
    }

    @Test
    void aClientOfferingOnlyAnotherProtocolFailsTheHandshake() {
        clientTls(TlsMode.PREFER);
        assertThatThrownBy(() -> TlsProbe.direct(pooler.port(), trustingCa, "http/1.1").close())
                .isInstanceOf(SSLException.class);
    }

    @Test
    void withClientTlsDisabledADirectTlsConnectionIsClosed() {
        clientTls(TlsMode.DISABLE);
        assertThatThrownBy(DirectTlsTest::direct).isInstanceOf(PSQLException.class);
        assertThatThrownBy(() -> TlsProbe.direct(pooler.port(), trustingCa, "postgresql").close())
                .isInstanceOf(IOException.class);
    }
}
