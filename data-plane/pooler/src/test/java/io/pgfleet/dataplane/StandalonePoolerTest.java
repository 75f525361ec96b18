package io.pgfleet.dataplane;

import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A node run from a PgBouncer config (pgbouncer.ini + userlist.txt) against a real
 * PostgreSQL, used by pgjdbc and psql over SCRAM-SHA-256 on both legs.
 */
class StandalonePoolerTest {
    private static PostgresServer postgres;
    private static Pooler pooler;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        postgres = Postgres.start();
        postgres.createUserAndDatabase("app", "app-secret", "appdb");
        postgres.createUserAndDatabase("reporter", "reporter-secret", "reports");
        Files.writeString(dir.resolve("pgbouncer.ini"), """
                ; as a PgBouncer user writes it
                [databases]
                appdb = host=%1$s port=%2$d dbname=appdb
                ; a client database name mapped to another database, with a fixed server login
                analytics = host=%1$s port=%2$d dbname=reports user=reporter password='reporter-secret'

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                auth_type = scram-sha-256
                auth_file = userlist.txt
                """.formatted(postgres.host(), postgres.port()));
        Files.writeString(dir.resolve("userlist.txt"), """
                "app" "app-secret"
                "analyst" "analyst-secret"
                """);
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.load(dir.resolve("pgbouncer.ini"));
        pooler = Pooler.start(loaded.settings(), new ConfigHolder(loaded.config()));
    }

    @AfterAll
    static void stop() {
        if (pooler != null) {
            pooler.close();
        }
        postgres.close();
    }

    private static String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + database + "?sslmode=disable";
    }

    @Test
    void pgjdbcRunsQueriesThroughTheNode() throws SQLException {
        try (Connection c = DriverManager.getConnection(url("appdb"), "app", "app-secret")) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS items (id int primary key, name text)");
            c.createStatement().execute("INSERT INTO items VALUES (1, 'one'), (2, 'two') ON CONFLICT DO NOTHING");
            try (var ps = c.prepareStatement("SELECT name FROM items WHERE id = ?")) {
                ps.setInt(1, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("two");
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery("SELECT current_user, current_database(), inet_server_port()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("app");
                assertThat(rs.getString(2)).isEqualTo("appdb");
                assertThat(rs.getInt(3)).isEqualTo(postgres.port()); // it really is the upstream answering
            }
        }
    }

    @Test
    void psqlRunsAQueryThroughTheNode() {
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result result = Psql.run("127.0.0.1", pooler.port(), "app", "app-secret", "appdb",
                "SELECT current_user || '@' || current_database()");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        assertThat(result.stdout()).isEqualTo("app@appdb");
    }

    @Test
    void aDatabaseEntryCanLogInAsAnotherServerUser() throws SQLException {
        try (Connection c = DriverManager.getConnection(url("analytics"), "analyst", "analyst-secret");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user, current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("reporter");
            assertThat(rs.getString(2)).isEqualTo("reports");
        }
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameError() {
        assertThatThrownBy(() -> DriverManager.getConnection(url("appdb"), "app", "wrong"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed for user \"app\"");
                });
        assertThatThrownBy(() -> DriverManager.getConnection(url("appdb"), "nobody", "wrong"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("28P01");
                    assertThat(e.getMessage()).contains("password authentication failed for user \"nobody\"");
                });
    }

    @Test
    void unknownDatabaseIsRefusedWithItsSqlState() {
        assertThatThrownBy(() -> DriverManager.getConnection(url("nosuchdb"), "app", "app-secret"))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("3D000");
                    assertThat(e.getMessage()).contains("database \"nosuchdb\" does not exist");
                });
    }
}
