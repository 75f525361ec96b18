package io.pgfleet.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus app run as a real process: {@code java [jvm options] -D... -jar quarkus-run.jar},
 * with the JDK running the tests, stdout and stderr appended to one log file, secrets in
 * the environment (not on the command line), and a readiness URL. Can be started again
 * after {@link #stop()} or {@link #kill()}, with the same ports and settings.
 */
public abstract class JavaProcess implements AutoCloseable {
    /** JVM options of every launched app; override with -Dpgfleet.e2e.jvm-options="...". */
    public static final String DEFAULT_JVM_OPTIONS = "-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Path logFile;
    private Process process;
    private int starts;
    private String jvmOptions = System.getProperty("pgfleet.e2e.jvm-options", DEFAULT_JVM_OPTIONS);

    protected JavaProcess(String name, Path logFile) {
        this.name = name;
        this.logFile = logFile;
    }

    /** The jar to run. */
    protected abstract Path jar();

    /** System properties (-D), in order. Nothing secret: {@code ps} shows them. */
    protected abstract Map<String, String> systemProperties();

    /** Environment variables added to the process's: secrets go here. */
    protected abstract Map<String, String> environment();

    /** Answers 200 once the process is ready. */
    public abstract URI readinessUri();

    /** Replaces the JVM options (space-separated) for the next start. */
    public synchronized JavaProcess jvmOptions(String options) {
        this.jvmOptions = options;
        return this;
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    /** Launches the process (again, after a stop or kill) and returns without waiting for readiness. */
    public synchronized JavaProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(E2e.java().toString());
        if (!jvmOptions.isBlank()) {
            command.addAll(Arrays.asList(jvmOptions.strip().split("\\s+")));
        }
        command.add("-D" + ProcessReaper.jvmMarker());
        systemProperties().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(logFile.getParent().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true);
        builder.environment().putAll(environment());
        try {
            Files.createDirectories(logFile.getParent());
            starts++;
            Files.writeString(logFile, "\n==== e2e: start #" + starts + " of " + name + " at " + Instant.now() + ": "
                    + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
        ProcessReaper.register(process.toHandle(), ProcessReaper.jvmMarker(), true);
        Process started = process;
        started.onExit().thenRun(() -> ProcessReaper.unregister(started.toHandle()));
        return this;
    }

    /** Polls {@link #readinessUri()} until it answers 200; fails early, with the log's tail, if the process exits. */
    public JavaProcess awaitReady(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer yet";
        while (true) {
            Process current;
            synchronized (this) {
                current = process;
            }
            if (current == null || !current.isAlive()) {
                throw new IllegalStateException(name + " exited" + (current == null ? "" : " with " + current.exitValue())
                        + " before it was ready; " + logFile + " ends with:\n" + logTail(40));
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(readinessUri())
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return this;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + name, e);
            }
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException(name + " not ready within " + within + " (" + readinessUri() + ": " + last
                        + "); " + logFile + " ends with:\n" + logTail(40));
            }
            sleep(100);
        }
    }

    /** SIGTERM (a graceful Quarkus shutdown), then SIGKILL if it has not ended within 30 s. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                ProcessReaper.killTree(process.toHandle());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ProcessReaper.killTree(process.toHandle());
        }
        // Anything it started is not ours to keep either.
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        ProcessReaper.unregister(process.toHandle());
    }

    /** {@code kill -9}: no shutdown at all, as in a crash. Waits until the process is gone. */
    public synchronized void kill() {
        if (process == null || !process.isAlive()) {
            return;
        }
        ProcessReaper.killTree(process.toHandle());
        ProcessReaper.unregister(process.toHandle());
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.pid();
    }

    /** CPU time (user + system) the running process has used so far, from /proc/&lt;pid&gt;/stat. */
    public Duration cpuTime() {
        return cpuTime(pid());
    }

    public static Duration cpuTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Field 2 (comm) may contain spaces: count fields after its closing parenthesis.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
            return Duration.ofMillis(ticks * 1000 / clockTicksPerSecond());
        } catch (IOException e) {
            throw new UncheckedIOException("no /proc/" + pid + "/stat", e);
        }
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            getconf.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** The last lines of the log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** True when the log contains the text (e.g. to assert a node started from its snapshot). */
    public boolean logContains(String text) {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        stop();
    }

    protected static Map<String, String> ordered() {
        return new LinkedHashMap<>();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + (isAlive() ? " (pid " + pid() + ")" : " (not running)");
    }
}
