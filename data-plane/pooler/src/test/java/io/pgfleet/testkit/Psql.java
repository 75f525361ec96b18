package io.pgfleet.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code psql} client, as a user would. */
public final class Psql {
    /** What one psql run printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private Psql() {
    }

    public static boolean available() {
        try {
            return new ProcessBuilder("psql", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs one command with -tA (tuples only, unaligned) and the password in PGPASSWORD. */
    public static Result run(String host, int port, String user, String password, String database, String sql) {
        ProcessBuilder builder = new ProcessBuilder(List.of("psql", "-X", "-tA", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", Integer.toString(port), "-U", user, "-d", database, "-c", sql));
        builder.environment().put("PGSSLMODE", "disable");
        return run(builder, password);
    }

    /**
     * Runs one command with -A (unaligned) but with the header line and the row-count footer,
     * as a user reading a result sees its column names.
     */
    public static Result runWithHeader(String host, int port, String user, String password, String database, String sql) {
        ProcessBuilder builder = new ProcessBuilder(List.of("psql", "-X", "-A", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", Integer.toString(port), "-U", user, "-d", database, "-c", sql));
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("PGSSLMODE", "disable");
        return run(builder, password);
    }

    /**
     * Runs one command against a libpq connection string, which carries everything else
     * (sslmode, sslrootcert, sslcert, ...). {@code password} may be null.
     */
    public static Result runConninfo(String conninfo, String password, String sql) {
        ProcessBuilder builder = new ProcessBuilder(List.of("psql", "-X", "-tA", "-v", "ON_ERROR_STOP=1",
                "-d", conninfo, "-c", sql));
        // Nothing from the user running the tests (~/.postgresql/root.crt, PGSSLMODE) may decide the outcome.
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("PGSSLROOTCERT", "/nonexistent");
        builder.environment().put("PGSSLCERT", "/nonexistent");
        builder.environment().put("PGSSLKEY", "/nonexistent");
        return run(builder, password);
    }

    /**
     * Runs a script file as {@code psql -f} does: each statement its own Query, meta-commands,
     * COPY data inline. Quiet (-q), unaligned tuples only (-tA), ON_ERROR_STOP; the password in
     * PGPASSWORD, which the commands a script runs with {@code \!} inherit.
     */
    public static Result runScript(String host, int port, String user, String password, String database, Path script) {
        ProcessBuilder builder = new ProcessBuilder(List.of("psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1",
                "-h", host, "-p", Integer.toString(port), "-U", user, "-d", database, "-f", script.toString()));
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("PGSSLMODE", "disable");
        return run(builder, password);
    }

    /** The installed psql's version, e.g. "15.18". */
    public static String version() {
        try {
            Process process = new ProcessBuilder("psql", "--version").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            process.waitFor(30, TimeUnit.SECONDS);
            return output.replaceFirst("^psql \\(PostgreSQL\\) ", "");
        } catch (IOException e) {
            throw new IllegalStateException("could not run psql --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Result run(ProcessBuilder builder, String password) {
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        builder.environment().put("PGCONNECT_TIMEOUT", "10");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("psql did not finish in 60 s");
            }
            return new Result(process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip(),
                    new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new IllegalStateException("could not run psql", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
