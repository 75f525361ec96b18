package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.proto.v1.TlsMode;
import io.pgfleet.testkit.EmbeddedPostgresServer;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;

import static io.pgfleet.dataplane.agent.Resources.credential;
import static io.pgfleet.dataplane.agent.Resources.fleetPool;
import static io.pgfleet.dataplane.agent.Resources.push;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each upstream's own tls_mode and tls_ca_pem, against a PostgreSQL with ssl=on whose
 * certificate names localhost; pg_stat_ssl says whether the node's connection is encrypted.
 */
class UpstreamTlsTest {
    private static final String IS_SSL = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    private static PostgresServer tlsPostgres;
    private static String caPem;
    private static String otherCaPem;

    @BeforeAll
    static void start(@TempDir Path dir, @TempDir Path otherDir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        TestCertificates ca = TestCertificates.createAuthority(dir, "upstream test CA");
        caPem = Files.readString(ca.caCert());
        otherCaPem = Files.readString(TestCertificates.createAuthority(otherDir, "some other CA").caCert());
        TestCertificates.Issued cert = ca.server("postgres", "localhost", "DNS:localhost");
        tlsPostgres = EmbeddedPostgresServer.startWithTls(cert.cert(), cert.key());
        tlsPostgres.createUserAndDatabase("tlsuser", "tls-secret", "tls_db");
    }

    @AfterAll
    static void stop() {
        if (tlsPostgres != null) {
            tlsPostgres.close();
        }
    }

    private static boolean ssl(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(IS_SSL)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void eachUpstreamHasItsOwnTlsAndAChangedCaDrainsItsServers() throws Exception {
        ConfigHolder config = new ConfigHolder();
        PushApplier applier = new PushApplier(config);
        try (Pooler pooler = Pooler.start(PoolerSettings.defaults("127.0.0.1", 0).withEventLoopThreads(2), config)) {
            assertThat(applier.apply(push(1, fleetPool(1, PoolMode.TRANSACTION, 2), credential("tlsuser", 1, "tls-secret", ""),
                    upstream("verified", 1, upstreamBody("localhost", tlsPostgres.port(), "tls_db")
                            .setTlsMode(TlsMode.VERIFY_FULL).setTlsCaPem(caPem)),
                    upstream("plaintext", 1, upstreamBody("localhost", tlsPostgres.port(), "tls_db")
                            .setTlsMode(TlsMode.DISABLE)),
                    upstream("byip", 1, upstreamBody("127.0.0.1", tlsPostgres.port(), "tls_db")
                            .setTlsMode(TlsMode.VERIFY_FULL).setTlsCaPem(caPem))))).isEmpty();
            String url = "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/";
            try (Connection verified = DriverManager.getConnection(url + "verified?sslmode=disable", "tlsuser", "tls-secret");
                 Connection plaintext = DriverManager.getConnection(url + "plaintext?sslmode=disable", "tlsuser", "tls-secret")) {
                assertThat(ssl(verified)).isTrue();
                assertThat(ssl(plaintext)).isFalse();
                // verify-full checks the host name: the certificate names localhost only.
                assertThatThrownBy(() -> DriverManager.getConnection(url + "byip?sslmode=disable", "tlsuser", "tls-secret"))
                        .isInstanceOfSatisfying(PSQLException.class,
                                e -> assertThat(e.getMessage()).contains("TLS handshake with server failed"));

                // Another CA: the idle server of "verified" is dropped, and the next one is not trusted.
                assertThat(applier.apply(push(2, upstream("verified", 2, upstreamBody("localhost", tlsPostgres.port(), "tls_db")
                        .setTlsMode(TlsMode.VERIFY_FULL).setTlsCaPem(otherCaPem))))).isEmpty();
                assertThatThrownBy(() -> ssl(verified)).isInstanceOfSatisfying(PSQLException.class,
                        e -> assertThat(e.getMessage()).contains("TLS handshake with server failed"));
                assertThat(ssl(plaintext)).isFalse(); // other databases keep their servers
            }
        }
    }
}
