package io.pgfleet.testkit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Runs the Node.js scripts of {@code data-plane/pooler/src/test/node} with the real
 * node-postgres driver ({@code pg}, pinned in its package.json and package-lock.json), as a
 * Node.js service would use a node. The scripts and their lockfile are copied to
 * {@code target/node-driver}, where {@code npm ci} installs the driver once per JVM, so
 * node_modules never lands in the source tree. Needs {@code node} (18 or newer) and
 * {@code npm} on the PATH and the npm registry (or a warm npm cache); without them the test
 * fails saying so, it is not skipped.
 *
 * <p>Each script prints one JSON line (parsed with Gson, which grpc-core brings) and exits 0
 * when every check it made passed, 1 when one failed (the reasons on stderr and in the JSON's
 * {@code failures}), 2 when it could not run to the end.
 */
public final class NodeScript {
    /** How a script ended: its exit code (-1 if killed at the timeout), its JSON line, its output. */
    public record Result(String script, int exitCode, boolean timedOut, JsonObject json, String stdout, String stderr) {
        /** Everything a failed assertion should show. */
        public String describe() {
            return script + (timedOut ? " was killed at its timeout" : " exited " + exitCode)
                    + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }

        /** A number of the JSON line at a path of object keys; fails, showing the run, if the script did not report it. */
        public long number(String... path) {
            return at(path).getAsLong();
        }

        /** A string or boolean of the JSON line at a path of object keys, as text. */
        public String text(String... path) {
            JsonElement value = at(path);
            return value.isJsonNull() ? null : value.getAsString();
        }

        /** An array of the JSON line at a path of object keys. */
        public JsonArray array(String... path) {
            return at(path).getAsJsonArray();
        }

        /** A {@code {value: count}} tally of the JSON line at a path of object keys. */
        public Map<String, Long> counts(String... path) {
            Map<String, Long> counts = new LinkedHashMap<>();
            at(path).getAsJsonObject().entrySet().forEach(e -> counts.put(e.getKey(), e.getValue().getAsLong()));
            return counts;
        }

        private JsonElement at(String... path) {
            JsonElement value = json;
            for (String key : path) {
                if (value == null || !value.isJsonObject() || !value.getAsJsonObject().has(key)) {
                    throw new AssertionError("no " + String.join(".", path) + " in the output of " + describe());
                }
                value = value.getAsJsonObject().get(key);
            }
            return value;
        }
    }

    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static Path installed;

    private NodeScript() {
    }

    /** Runs a script against a node as its first user, with more environment (CLIENTS=...) from {@code env}. */
    public static Result run(TestNode node, String script, Map<String, String> env, Duration timeout) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put("PGHOST", "127.0.0.1");
        all.put("PGPORT", Integer.toString(node.port()));
        all.put("PGUSER", node.user());
        all.put("PGPASSWORD", TestNode.PASSWORD);
        all.put("PGDATABASE", node.database());
        all.put("PGSSLMODE", "disable");
        return run(script, all, timeout);
    }

    /** Runs {@code node <script>} with exactly the PG* variables given (none inherited), killed at the timeout. */
    public static Result run(String script, Map<String, String> env, Duration timeout) {
        Path dir = install();
        Path logs = dir.resolve("runs");
        String base = RUNS.incrementAndGet() + "-" + script.replace(".js", "");
        Path out = logs.resolve(base + ".stdout");
        Path err = logs.resolve(base + ".stderr");
        ProcessBuilder builder = new ProcessBuilder("node", script).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().putAll(env);
        try {
            Files.createDirectories(logs);
            Process process = builder.start();
            process.getOutputStream().close();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
            String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
            return new Result(script, finished ? process.exitValue() : -1, !finished, lastJsonLine(stdout), stdout,
                    finished ? stderr : stderr + "\n[killed after " + timeout + "]");
        } catch (IOException e) {
            throw new IllegalStateException("could not run node " + script + " (is Node.js installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The scripts with node-postgres installed beside them, in target/node-driver; the first call installs. */
    public static synchronized Path install() {
        if (installed != null) {
            return installed;
        }
        Path sources = sources();
        Path dir = sources.resolve("../../../target/node-driver").normalize();
        requireTool("node", "--version");
        requireTool("npm", "--version");
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(sources)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path log = dir.resolve("npm-ci.log");
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            npm.getOutputStream().close();
            if (!npm.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                npm.descendants().forEach(ProcessHandle::destroyForcibly);
                npm.destroyForcibly();
                throw new IllegalStateException("npm ci in " + dir + " did not finish in " + INSTALL_TIMEOUT);
            }
            if (npm.exitValue() != 0) {
                throw new IllegalStateException("npm ci in " + dir + " failed (exit " + npm.exitValue() + "; needs the npm "
                        + "registry or a warm npm cache):\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not install node-postgres in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        installed = dir;
        return dir;
    }

    /** src/test/node of the pooler module, from the module (as surefire runs) or anywhere in the repository. */
    private static Path sources() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve("src/test/node"), dir.resolve("data-plane/pooler/src/test/node"))) {
                if (Files.isRegularFile(candidate.resolve("package-lock.json"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("no data-plane/pooler/src/test/node/package-lock.json above " + Path.of("").toAbsolutePath());
    }

    private static void requireTool(String tool, String versionFlag) {
        String problem;
        try {
            Process p = new ProcessBuilder(tool, versionFlag).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
            problem = "'" + tool + " " + versionFlag + "' failed: " + output;
        } catch (IOException e) {
            problem = "'" + tool + "' is not on the PATH (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the node-postgres driver tests need Node.js 18+ with npm: " + problem);
    }

    private static JsonObject lastJsonLine(String stdout) {
        List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return null;
        }
        try {
            JsonElement parsed = JsonParser.parseString(lines.get(lines.size() - 1));
            return parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }
}
