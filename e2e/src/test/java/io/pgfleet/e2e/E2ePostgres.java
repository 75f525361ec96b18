package io.pgfleet.e2e;

import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The testkit's PostgreSQL ({@link Postgres#start()}: embedded binaries, a free port, a temp
 * data directory), with its postmaster handed to the {@link ProcessReaper} watchdog: pg_ctl
 * daemonizes it, so without that a killed test JVM would leave it running.
 */
public final class E2ePostgres {
    private E2ePostgres() {
    }

    public static PostgresServer start() {
        PostgresServer server = Postgres.start();
        postmaster(server).ifPresent(p -> ProcessReaper.register(p.handle(), p.dataDirectory(), false));
        return server;
    }

    /** Stops and deletes the server, and forgets its postmaster. */
    public static void close(PostgresServer server) {
        if (server == null) {
            return;
        }
        Optional<Postmaster> postmaster = postmaster(server);
        server.close();
        postmaster.ifPresent(p -> ProcessReaper.unregister(p.handle()));
    }

    /** Creates a login role (SCRAM password) owning a new database. */
    public static void createUserAndDatabase(PostgresServer server, String user, String password, String database) {
        server.createUserAndDatabase(user, password, database);
    }

    private record Postmaster(ProcessHandle handle, String dataDirectory) {
    }

    private static Optional<Postmaster> postmaster(PostgresServer server) {
        try (Connection c = server.connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_setting('data_directory')")) {
            rs.next();
            String dataDirectory = rs.getString(1);
            Path pidFile = Path.of(dataDirectory, "postmaster.pid");
            if (!Files.isReadable(pidFile)) {
                return Optional.empty(); // e.g. in a container
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return ProcessHandle.of(pid).map(h -> new Postmaster(h, dataDirectory));
        } catch (SQLException | IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
