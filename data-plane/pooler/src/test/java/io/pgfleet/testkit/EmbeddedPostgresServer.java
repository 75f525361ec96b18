package io.pgfleet.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL from the embedded binaries on Maven Central (io.zonky.test): no Docker, no
 * installed server. Runs as root by itself. The data directory and the port are kept
 * across stop, kill and restart.
 */
public final class EmbeddedPostgresServer implements PostgresServer {
    private static final String HBA = """
            # pgfleet test fixture: the superuser trusts loopback, everyone else proves a password.
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host all postgres ::1/128 trust
            # roles named srvmd5_* and srvpw_* make a node's server login use md5 / cleartext
            host all /^srvmd5_ 127.0.0.1/32 md5
            host all /^srvpw_ 127.0.0.1/32 password
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;

    private final Path dataDirectory;
    private final int port;
    private final Map<String, String> extraConfig;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(Path dataDirectory, int port, Map<String, String> extraConfig) {
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.extraConfig = extraConfig;
    }

    public static EmbeddedPostgresServer start() {
        try {
            return start(Files.createTempDirectory("pgfleet-pg-"), freePort());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /** On a fixed port and data directory (an existing one is reused as it is). */
    public static EmbeddedPostgresServer start(Path dataDirectory, int port) {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDirectory, port, Map.of());
        server.launch();
        return server;
    }

    /**
     * With {@code ssl = on} and this certificate (PEM, key 0600). The pg_hba.conf lines stay
     * {@code host}, which match TLS and plaintext connections alike; tests see which one they
     * got in {@code pg_stat_ssl}.
     */
    public static EmbeddedPostgresServer startWithTls(Path certFile, Path keyFile) {
        try {
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(Files.createTempDirectory("pgfleet-pg-"), freePort(),
                    Map.of("ssl", "on", "ssl_cert_file", certFile.toAbsolutePath().toString(),
                            "ssl_key_file", keyFile.toAbsolutePath().toString()));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    private void launch() {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            extraConfig.forEach(builder::setServerConfig);
            postgres = builder
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false) // we own the directory; zonky would delete it on stop
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // zonky turns this off for speed; a kill -9 would then lose committed rows.
                    // fsync stays off: a killed process is not a lost machine, the OS keeps the writes.
                    .setServerConfig("synchronous_commit", "on")
                    .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL on port " + port, e);
        }
    }

    private static void writeHba(Path dir) {
        try {
            Files.writeString(dir.resolve("pg_hba.conf"), HBA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int majorVersion() {
        try {
            String version = Files.readString(dataDirectory.resolve("PG_VERSION")).strip();
            return Integer.parseInt(version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }

    @Override
    public void kill() {
        if (postgres == null) {
            return;
        }
        long pid = postmasterPid();
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroyForcibly();
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("postmaster " + pid + " did not die", e);
            }
        });
        // The backends die with their postmaster. close() still releases the fixture's lock on
        // the data directory; its pg_ctl stop finds no server and that is expected.
        try {
            postgres.close();
        } catch (IOException | RuntimeException expected) {
            // nothing was running to stop
        } finally {
            postgres = null;
        }
    }

    private long postmasterPid() {
        try (Stream<String> lines = Files.lines(dataDirectory.resolve("postmaster.pid"))) {
            return Long.parseLong(lines.findFirst().orElseThrow().strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void restart() {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> paths = Files.walk(dataDirectory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is not worth failing a test for
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return "embedded PostgreSQL on " + host() + ":" + port;
    }
}
