package io.pgfleet.e2e.bench;

import io.pgfleet.e2e.E2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every benchmark of the repo needs around its measurement: its settings from the
 * environment, the facts of the machine and commit it ran on, and its section of
 * docs/benchmarks.md, between its own markers.
 */
public final class BenchFacts {
    private BenchFacts() {
    }

    /**
     * Replaces the text between {@code startMarker} and {@code endMarker} in docs/benchmarks.md
     * with {@code results}; when the markers are not there yet, appends a section
     * {@code heading} that names {@code command}, with the markers.
     */
    public static void writeSection(String startMarker, String endMarker, String heading, String command, String results)
            throws IOException {
        Path doc = E2e.root().resolve("docs/benchmarks.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        String block = startMarker + "\n" + results + endMarker;
        int start = text.indexOf(startMarker);
        int end = text.indexOf(endMarker);
        if (start >= 0 && end > start) {
            text = text.substring(0, start) + block + text.substring(end + endMarker.length());
        } else {
            text = text.stripTrailing() + "\n\n## " + heading + "\n\n```sh\n" + command + "\n```\n\n" + block + "\n";
        }
        Files.writeString(doc, text, StandardCharsets.UTF_8);
    }

    public static String ms(long micros) {
        return String.format("%.1f ms", micros / 1000.0);
    }

    /** The checked-out commit, marked when tracked files have uncommitted changes. */
    public static String commit() {
        String head = exec("git", "-C", E2e.root().toString(), "rev-parse", "--short", "HEAD");
        String dirty = exec("git", "-C", E2e.root().toString(), "status", "--porcelain", "--untracked-files=no");
        return head.isEmpty() ? "unknown" : head + (dirty.isEmpty() ? "" : " (with uncommitted changes)");
    }

    public static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    public static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** A command's output, or "" when it fails. */
    public static String exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** An environment setting, or {@code fallback} when unset or blank. */
    public static String setting(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public static int intSetting(String name, int fallback) {
        return Integer.parseInt(setting(name, Integer.toString(fallback)));
    }

    public static void log(String message) {
        System.err.println(java.time.LocalTime.now().withNano(0) + " " + message);
    }
}
