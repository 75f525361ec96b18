package io.pgfleet.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes sure no process a test started outlives the test JVM.
 *
 * <ul>
 *   <li>A JVM shutdown hook kills (SIGKILL) every registered process that is still alive,
 *       with its descendants: covers a normal exit, a failed {@code @AfterAll}, Ctrl-C and
 *       SIGTERM.</li>
 *   <li>A watchdog ({@code bash}, started with the first registration) covers a test JVM
 *       that is itself killed with SIGKILL, when no hook runs: it polls the JVM's pid once a
 *       second and, once the JVM is gone, SIGKILLs every pid listed in a file, but only if
 *       that pid's command line still contains the marker it was registered with (so a
 *       recycled pid is never hit).</li>
 * </ul>
 * Every process is killed by its own pid, never by name.
 */
public final class ProcessReaper {
    private static final Map<Long, Entry> LIVE = new LinkedHashMap<>();
    private static Path pidFile;
    private static boolean initialised;

    private record Entry(ProcessHandle handle, String marker, boolean killOnJvmExit) {
    }

    private ProcessReaper() {
    }

    /** A marker unique to this test JVM, put on the command line of every java process it launches. */
    public static String jvmMarker() {
        ProcessHandle self = ProcessHandle.current();
        return "pgfleet.e2e.owner=" + self.pid() + "-" + self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }

    /**
     * Registers a process. {@code marker} must occur in its command line (for the watchdog).
     * {@code killOnJvmExit}: also SIGKILL it from the shutdown hook (false for a PostgreSQL the
     * testkit stops cleanly in its own hook; the watchdog still covers it).
     */
    public static synchronized void register(ProcessHandle handle, String marker, boolean killOnJvmExit) {
        init();
        LIVE.put(handle.pid(), new Entry(handle, marker, killOnJvmExit));
        writePidFile();
    }

    /** Forgets a process that has ended. */
    public static synchronized void unregister(ProcessHandle handle) {
        if (LIVE.remove(handle.pid()) != null && initialised) {
            writePidFile();
        }
    }

    /** Sends SIGKILL to a process and all its descendants, and waits (bounded) for them to end. */
    public static void killTree(ProcessHandle handle) {
        List<ProcessHandle> all = new ArrayList<>();
        handle.descendants().forEach(all::add);
        all.add(handle);
        for (ProcessHandle p : all) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the caller's isAlive checks; nothing more we can do here
            }
        }
    }

    private static void init() {
        if (initialised) {
            return;
        }
        initialised = true;
        Path dir = E2e.workDir("reaper");
        pidFile = dir.resolve("pids-" + ProcessHandle.current().pid() + ".tsv");
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::killAllOnExit, "pgfleet-e2e-reaper"));
        writePidFile();
        startWatchdog(dir);
    }

    private static void killAllOnExit() {
        List<Entry> entries;
        synchronized (ProcessReaper.class) {
            entries = new ArrayList<>(LIVE.values());
        }
        for (Entry entry : entries) {
            if (entry.killOnJvmExit() && entry.handle().isAlive()) {
                killTree(entry.handle());
            }
        }
        synchronized (ProcessReaper.class) {
            LIVE.values().removeIf(e -> e.killOnJvmExit() || !e.handle().isAlive());
            writePidFile();
        }
    }

    private static void startWatchdog(Path dir) {
        String script = """
                jvm=$1; file=$2
                while kill -0 "$jvm" 2>/dev/null; do sleep 1; done
                [ -f "$file" ] || exit 0
                while IFS=$'\\t' read -r pid marker; do
                  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || continue
                  if tr '\\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"; then kill -9 "$pid" 2>/dev/null; fi
                done <"$file"
                rm -f "$file"
                """;
        try {
            new ProcessBuilder("bash", "-c", script, "pgfleet-e2e-watchdog",
                    Long.toString(ProcessHandle.current().pid()), pidFile.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("watchdog.log").toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the e2e watchdog", e);
        }
    }

    private static void writePidFile() {
        StringBuilder text = new StringBuilder();
        for (Entry entry : LIVE.values()) {
            text.append(entry.handle().pid()).append('\t').append(entry.marker()).append('\n');
        }
        try {
            Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, pidFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
