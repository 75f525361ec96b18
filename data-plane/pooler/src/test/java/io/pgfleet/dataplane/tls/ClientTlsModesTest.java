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

import java.net.Socket;
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
 * client_tls_sslmode as pgjdbc and psql see it: which clients get TLS, which are refused,
 * and that a client verifying the node's certificate (verify-full) accepts it.
 */
class ClientTlsModesTest {
    private static PostgresServer postgres;
    private static TestCertificates ca;
    private static TestCertificates.Issued nodeCert;
    private static TestCertificates.Issued appCert;
    private static TestCertificates otherCa;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir, @TempDir Path otherDir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        nodeCert = ca.server("node", "pgfleet node", "DNS:localhost", "IP:127.0.0.1");
        appCert = ca.client("app", "app");
        otherCa = TestCertificates.createAuthority(otherDir, "some other CA");
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
        clientTls(TestNodes.tls(mode, nodeCert.cert(), nodeCert.key(), mode.compareTo(TlsMode.VERIFY_CA) >= 0 ? ca.caCert() : null));
    }

    private static void clientTls(TlsSettings settings) {
        config.replace(TestNodes.config(AuthType.SCRAM_SHA_256,
                List.of(new DatabaseTarget("appdb", List.of(new HostAndPort(postgres.host(), postgres.port())), "appdb", null, null)),
                TestNodes.users(TestNodes.user("app", "app-secret")), settings, TlsSettings.DISABLED, false, HbaRules.NONE));
    }

    private static Connection jdbc(String sslParameters) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pooler.port() + "/appdb?" + sslParameters,
                "app", "app-secret");
    }

    private static String selectUser(Connection c) throws SQLException {
        try (c; ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String conninfo(String ssl) {
        return "host=localhost port=" + pooler.port() + " user=app dbname=appdb " + ssl;
    }

    @Test
    void disableDeclinesTls() throws SQLException {
        clientTls(TlsMode.DISABLE);
        assertThat(selectUser(jdbc("sslmode=disable"))).isEqualTo("app");
        assertThatThrownBy(() -> jdbc("sslmode=require"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("does not support SSL"));
    }

    @Test
    void preferEncryptsClientsThatAskAndLetsOthersInPlain() throws SQLException {
        clientTls(TlsMode.PREFER);
        assertThat(selectUser(jdbc("sslmode=require"))).isEqualTo("app");
        assertThat(selectUser(jdbc("sslmode=disable"))).isEqualTo("app");
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result tls = Psql.runConninfo(conninfo("sslmode=require"), "app-secret", "\\conninfo");
        assertThat(tls.exitCode()).as(tls.stderr()).isZero();
        assertThat(tls.stdout()).contains("SSL connection (protocol: TLSv1.3");
        Psql.Result plain = Psql.runConninfo(conninfo("sslmode=disable"), "app-secret", "\\conninfo");
        assertThat(plain.exitCode()).as(plain.stderr()).isZero();
        assertThat(plain.stdout()).doesNotContain("SSL connection");
    }

    @Test
    void requireRefusesPlaintextClientsAfterTheirStartupMessage() throws SQLException {
        clientTls(TlsMode.REQUIRE);
        assertThatThrownBy(() -> jdbc("sslmode=disable"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("SSL required");
                });
        assertThat(selectUser(jdbc("sslmode=require"))).isEqualTo("app");
    }

    @Test
    void aClientVerifyingTheNodeAcceptsItsCertificateAndRejectsItUnderAnotherCa() {
        assumeTrue(Psql.available(), "psql is not installed");
        clientTls(TlsMode.REQUIRE);
        Psql.Result trusted = Psql.runConninfo(conninfo("sslmode=verify-full sslrootcert=" + ca.caCert()), "app-secret",
                "SELECT current_user");
        assertThat(trusted.exitCode()).as(trusted.stderr()).isZero();
        assertThat(trusted.stdout()).isEqualTo("app");
        Psql.Result untrusted = Psql.runConninfo(conninfo("sslmode=verify-full sslrootcert=" + otherCa.caCert()), "app-secret",
                "SELECT 1");
        assertThat(untrusted.exitCode()).isNotZero();
        assertThat(untrusted.stderr()).contains("certificate verify failed");
    }

    @Test
    void pgjdbcVerifyFullAcceptsTheNode() throws SQLException {
        clientTls(TlsMode.REQUIRE);
        assertThat(selectUser(DriverManager.getConnection("jdbc:postgresql://localhost:" + pooler.port()
                + "/appdb?sslmode=verify-full&sslrootcert=" + ca.caCert(), "app", "app-secret"))).isEqualTo("app");
    }

    @Test
    void verifyCaRequiresAClientCertificateFromTheCa() throws SQLException {
        clientTls(TlsMode.VERIFY_CA);
        assertThatThrownBy(() -> jdbc("sslmode=require")).isInstanceOf(PSQLException.class);
        assertThat(selectUser(jdbc("sslmode=require&sslcert=" + appCert.cert() + "&sslkey=" + appCert.keyDer())))
                .isEqualTo("app");
        TestCertificates.Issued foreign = otherCa.client("foreign-app", "app");
        assertThatThrownBy(() -> jdbc("sslmode=require&sslcert=" + foreign.cert() + "&sslkey=" + foreign.keyDer()))
                .isInstanceOf(PSQLException.class);
    }

    @Test
    void plaintextBytesBehindAnSslRequestAreAProtocolViolation() throws Exception {
        clientTls(TlsMode.PREFER);
        try (Socket socket = new Socket("127.0.0.1", pooler.port())) {
            socket.setSoTimeout(10_000);
            // SSLRequest and a StartupMessage in one write, as an injecting man in the middle would send them.
            java.nio.ByteBuffer both = java.nio.ByteBuffer.allocate(1024);
            both.putInt(8).putInt(TlsProbe.SSL_REQUEST_CODE).put(TlsProbe.startupMessage("app", "appdb"));
            socket.getOutputStream().write(both.array(), 0, both.position());
            socket.getOutputStream().flush();
            TlsProbe.Message answer = TlsProbe.readMessage(socket);
            assertThat(answer.type()).isEqualTo('E');
            assertThat(answer.text()).contains("08P01").contains("received unencrypted data after SSL request");
        }
    }

    @Test
    void withoutACertificateEvenPreferDeclines() throws SQLException {
        clientTls(new TlsSettings(TlsMode.PREFER, null, null, null, "secure", "default"));
        assertThatThrownBy(() -> jdbc("sslmode=require"))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("does not support SSL"));
        assertThat(selectUser(jdbc("sslmode=disable"))).isEqualTo("app");
    }
}
