import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The benchmark's PostgreSQL: the same embedded PostgreSQL 17 binaries as the tests, but
 * sized for the benchmark (600 connections so 500 direct pgbench clients fit, modest
 * shared_buffers). Runs until killed; the shutdown hook stops the server.
 *
 * <p>Usage: {@code java -cp TESTKIT_CLASSPATH bench/BenchPostgres.java PORT DATA_DIR}.
 * Prints "postgres ready" once it accepts connections.
 */
public final class BenchPostgres {
    // The superuser (used only for setup) trusts loopback; the benchmark role proves a
    // SCRAM password, as it does through PgBouncer and the node.
    private static final String HBA = """
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host all all 127.0.0.1/32 scram-sha-256
            """;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path dataDir = Files.createDirectories(Path.of(args[1]));
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false) // bench/run owns and deletes the directory
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(120))
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", System.getenv().getOrDefault("BENCH_PG_MAX_CONNECTIONS", "600"))
                .setServerConfig("shared_buffers", System.getenv().getOrDefault("BENCH_PG_SHARED_BUFFERS", "128MB"))
                .setServerConfig("password_encryption", "scram-sha-256")
                // No durability: the benchmark compares connection handling, not this VM's disk.
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setDataDirectoryCustomizer(dir -> {
                    try {
                        Files.writeString(dir.toPath().resolve("pg_hba.conf"), HBA);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }, "stop-postgres"));
        System.out.println("postgres ready on 127.0.0.1:" + port);
        System.out.flush();
        Thread.currentThread().join();
    }
}
