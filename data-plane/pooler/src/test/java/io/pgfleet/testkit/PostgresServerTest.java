package io.pgfleet.testkit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fixture itself: a real server that survives stop, kill -9 and restart with its data. */
class PostgresServerTest {
    private static PostgresServer postgres;

    @BeforeAll
    static void start() {
        postgres = Postgres.start();
    }

    @AfterAll
    static void close() {
        postgres.close();
    }

    @Test
    void killAndStopLoseConnectionsButRestartKeepsData() throws SQLException {
        postgres.execute("CREATE TABLE IF NOT EXISTS survivors (id int)", "INSERT INTO survivors VALUES (42)");
        assertThat(postgres.majorVersion()).isGreaterThanOrEqualTo(14);

        postgres.kill();
        assertThatThrownBy(() -> postgres.connectAsSuperuser("postgres").close()).isInstanceOf(SQLException.class);
        postgres.restart();
        assertThat(countSurvivors()).isEqualTo(1);

        postgres.stop();
        assertThatThrownBy(() -> postgres.connectAsSuperuser("postgres").close()).isInstanceOf(SQLException.class);
        postgres.restart();
        assertThat(countSurvivors()).isEqualTo(1);
    }

    @Test
    void passwordLoginsUseScram() throws SQLException {
        postgres.createUserAndDatabase("fixture_user", "s3cret", "fixture_db");
        try (Connection c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("fixture_db"), "fixture_user", "s3cret");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("fixture_user");
        }
        try (Connection c = postgres.connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = 'fixture_user'")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("SCRAM-SHA-256$");
        }
        assertThatThrownBy(() -> java.sql.DriverManager.getConnection(postgres.jdbcUrl("fixture_db"), "fixture_user", "wrong"))
                .hasMessageContaining("password authentication failed");
    }

    private static int countSurvivors() throws SQLException {
        try (Connection c = postgres.connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM survivors WHERE id = 42")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
