package io.pgfleet.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The embedded PostgreSQL of {@code deploy/local/pgfleet up}: holds the control plane's
 * database and a demo upstream database. Runs until the process is stopped; the shutdown
 * hook stops the server, so Ctrl-C leaves no postgres behind.
 *
 * <p>Usage: {@code LocalPostgres PORT DATA_DIR}, with the passwords of the control plane's role
 * and the demo role in the environment ({@code PGFLEET_CP_DB_PASSWORD}, {@code PGFLEET_DEMO_PASSWORD}),
 * where {@code ps} does not show them.
 */
public final class LocalPostgres {
    private LocalPostgres() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path dataDir = Path.of(args[1]);
        Files.createDirectories(dataDir);
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "stop-postgres"));
        createRoleAndDatabase(server, "pgfleet", System.getenv("PGFLEET_CP_DB_PASSWORD"), "pgfleet");
        createRoleAndDatabase(server, "demo", System.getenv("PGFLEET_DEMO_PASSWORD"), "demo");
        System.out.println("postgres ready on 127.0.0.1:" + port);
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Idempotent, so `up` can run again on the same data directory. */
    private static void createRoleAndDatabase(PostgresServer server, String role, String password, String database) throws SQLException {
        try (Connection c = server.connectAsSuperuser("postgres")) {
            boolean exists;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
                exists = rs.next();
            }
            String quoted = password.replace("'", "''");
            c.createStatement().execute("SET password_encryption = 'scram-sha-256'");
            c.createStatement().execute((exists ? "ALTER" : "CREATE") + " ROLE " + role + " LOGIN PASSWORD '" + quoted + "'");
            try (ResultSet rs = c.createStatement().executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (!rs.next()) {
                    c.createStatement().execute("CREATE DATABASE " + database + " OWNER " + role);
                }
            }
        }
    }
}
