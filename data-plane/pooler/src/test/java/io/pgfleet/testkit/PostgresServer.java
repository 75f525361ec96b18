package io.pgfleet.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A real PostgreSQL server for tests. Password logins over TCP use SCRAM-SHA-256; the
 * superuser {@link #SUPERUSER} may log in from loopback without one. Later fault tests
 * stop, kill and restart it; data survives all three.
 */
public interface PostgresServer extends AutoCloseable {
    String SUPERUSER = "postgres";

    String host();

    int port();

    /** The server's major version, e.g. 17. */
    int majorVersion();

    /** Stops the server cleanly (fast shutdown). */
    void stop();

    /** Kills the postmaster with SIGKILL: no shutdown checkpoint, as in a crash. */
    void kill();

    /** Starts the server again on the same port and data after {@link #stop()} or {@link #kill()}. */
    void restart();

    @Override
    void close();

    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    default Connection connectAsSuperuser(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, "");
    }

    /** Runs statements as the superuser in the {@code postgres} database. */
    default void execute(String... statements) {
        try (Connection c = connectAsSuperuser("postgres"); var s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("setup statement failed: " + e.getMessage(), e);
        }
    }

    /** Creates a login role with a SCRAM-SHA-256 password and a database it owns. */
    default void createUserAndDatabase(String user, String password, String database) {
        execute("SET password_encryption = 'scram-sha-256'",
                "CREATE ROLE " + user + " LOGIN PASSWORD '" + password.replace("'", "''") + "'",
                "CREATE DATABASE " + database + " OWNER " + user);
    }
}
