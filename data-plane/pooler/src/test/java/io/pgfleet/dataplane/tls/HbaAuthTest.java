package io.pgfleet.dataplane.tls;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HbaRules;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.TlsMode;
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

/** auth_hba_file rules choosing each client's method, end to end through pgjdbc. */
class HbaAuthTest {
    private static final String RULES = """
            # per database and user, first match wins
            host      trustdb  app        127.0.0.1/32  trust
            host      appdb    app        127.0.0.1/32  scram-sha-256
            host      appdb    md5user    127.0.0.1/32  md5
            host      appdb    plainuser  127.0.0.1/32  password
            host      appdb    blocked    all           reject
            hostssl   appdb    certuser   127.0.0.1/32  cert
            """;
    private static PostgresServer postgres;
    private static TestCertificates ca;
    private static TestCertificates.Issued nodeCert;
    private static final ConfigHolder config = new ConfigHolder();
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        ca = TestCertificates.createAuthority(dir, "pgfleet test CA");
        nodeCert = ca.server("node", "pgfleet node", "DNS:localhost");
        postgres = Postgres.start();
        postgres.createUserAndDatabase("app", "app-secret", "appdb");
        postgres.execute("SET password_encryption = 'scram-sha-256'",
                "CREATE ROLE md5user LOGIN PASSWORD 'md5-secret'",
                "CREATE ROLE plainuser LOGIN PASSWORD 'plain-secret'",
                "CREATE ROLE blocked LOGIN PASSWORD 'blocked-secret'",
                "CREATE ROLE certuser LOGIN PASSWORD 'cert-secret'");
        configure(false);
        pooler = TestNodes.start(config);
    }

    private static void configure(boolean allowPlainWithoutTls) {
        HostAndPort server = new HostAndPort(postgres.host(), postgres.port());
        config.replace(TestNodes.config(AuthType.SCRAM_SHA_256, // ignored: the rules decide
                List.of(new DatabaseTarget("appdb", List.of(server), "appdb", null, null),
                        new DatabaseTarget("trustdb", List.of(server), "appdb", null, null)),
                TestNodes.users(TestNodes.user("app", "app-secret"), TestNodes.user("md5user", "md5-secret"),
                        TestNodes.user("plainuser", "plain-secret"), TestNodes.user("blocked", "blocked-secret"),
                        TestNodes.user("certuser", "cert-secret")),
                TestNodes.tls(TlsMode.PREFER, nodeCert.cert(), nodeCert.key(), ca.caCert()),
                io.pgfleet.dataplane.config.TlsSettings.DISABLED, allowPlainWithoutTls, HbaRules.parse(RULES)));
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

    private static String login(String database, String user, String password, String ssl) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + pooler.port() + "/" + database
                + "?" + ssl, user, password);
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user || '@' || current_database()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static final String PLAIN = "sslmode=disable";
    private static final String TLS = "sslmode=require";

    @Test
    void theRuleForTheDatabaseDecides() throws SQLException {
        // trust on trustdb: no password at all (pgjdbc would fail if one were asked for)
        assertThat(login("trustdb", "app", null, PLAIN)).isEqualTo("app@appdb");
        // scram-sha-256 on appdb: the password is checked
        assertThat(login("appdb", "app", "app-secret", PLAIN)).isEqualTo("app@appdb");
        assertThatThrownBy(() -> login("appdb", "app", null, PLAIN)).isInstanceOf(PSQLException.class);
    }

    @Test
    void md5RuleChecksAnMd5Response() throws SQLException {
        assertThat(login("appdb", "md5user", "md5-secret", PLAIN)).isEqualTo("md5user@appdb");
        assertThatThrownBy(() -> login("appdb", "md5user", "wrong", PLAIN))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed for user \"md5user\"");
                });
    }

    @Test
    void noMatchingRuleIsRefusedWithPostgresqlsWords() {
        assertThatThrownBy(() -> login("appdb", "nobody", "whatever", PLAIN))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains(
                            "no pg_hba.conf entry for host \"127.0.0.1\", user \"nobody\", database \"appdb\", no encryption");
                });
    }

    @Test
    void aRejectRuleRefuses() {
        assertThatThrownBy(() -> login("appdb", "blocked", "blocked-secret", PLAIN))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28000");
                    assertThat(e.getMessage()).contains("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"blocked\"");
                });
    }

    @Test
    void hostsslRulesDoNotMatchPlaintextConnections() {
        assertThatThrownBy(() -> login("appdb", "certuser", "cert-secret", PLAIN))
                .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getMessage()).contains("no pg_hba.conf entry"));
        // Over TLS the cert rule matches, and without a client certificate it refuses.
        assertThatThrownBy(() -> login("appdb", "certuser", "cert-secret", TLS))
                .isInstanceOfSatisfying(PSQLException.class,
                        e -> assertThat(e.getMessage()).contains("connection requires a valid client certificate"));
    }

    @Test
    void cleartextPasswordsNeedTlsUnlessAllowed() throws SQLException {
        try {
            assertThatThrownBy(() -> login("appdb", "plainuser", "plain-secret", PLAIN))
                    .isInstanceOfSatisfying(PSQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("cleartext password authentication requires an SSL connection");
                    });
            assertThat(login("appdb", "plainuser", "plain-secret", TLS)).isEqualTo("plainuser@appdb");
            assertThatThrownBy(() -> login("appdb", "plainuser", "wrong", TLS))
                    .isInstanceOfSatisfying(PSQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
            configure(true);
            assertThat(login("appdb", "plainuser", "plain-secret", PLAIN)).isEqualTo("plainuser@appdb");
        } finally {
            configure(false);
        }
    }
}
