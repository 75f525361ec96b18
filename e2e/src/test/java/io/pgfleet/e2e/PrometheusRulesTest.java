package io.pgfleet.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The alert rules under deploy/prometheus/ pass {@code promtool check rules}, the example
 * configuration passes {@code promtool check config}, and the unit tests under
 * deploy/prometheus/tests/ pass {@code promtool test rules} — with every alert covered by a
 * test. promtool comes from tools/ensure-promtool (Debian's prometheus package); without it
 * this test fails, it does not skip.
 */
class PrometheusRulesTest {
    private static final Pattern ALERT = Pattern.compile("^\\s*-\\s*alert:\\s*(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern TESTED_ALERT = Pattern.compile("^\\s*alertname:\\s*(\\S+)\\s*$", Pattern.MULTILINE);

    private static Path dir;
    private static String promtool;

    @BeforeAll
    static void promtool() throws Exception {
        dir = E2e.root().resolve("deploy/prometheus");
        Result ensured = run(List.of(E2e.root().resolve("tools/ensure-promtool").toString()), 600);
        if (ensured.exit != 0 || ensured.stdout.isBlank()) {
            fail("promtool is needed to check the Prometheus rules and tools/ensure-promtool could not provide it "
                    + "(exit " + ensured.exit + "): " + ensured.stderr.strip());
        }
        promtool = ensured.stdout.strip().lines().reduce((first, last) -> last).orElseThrow();
    }

    @Test
    void ruleFilesAndExampleConfigAreValid() throws Exception {
        List<Path> rules = files(dir, ".rules.yml");
        assertThat(rules).extracting(p -> p.getFileName().toString())
                .contains("pgfleet-node.rules.yml", "pgfleet-fleet.rules.yml");
        List<String> command = new ArrayList<>(List.of(promtool, "check", "rules"));
        rules.forEach(p -> command.add(p.toString()));
        expectSuccess(run(command, 60), command);

        List<String> config = List.of(promtool, "check", "config", dir.resolve("prometheus.yml").toString());
        expectSuccess(run(config, 60), config);
    }

    @Test
    void unitTestsPassAndCoverEveryAlert() throws Exception {
        List<Path> tests = files(dir.resolve("tests"), ".yml");
        assertThat(tests).isNotEmpty();

        Set<String> alerts = matches(files(dir, ".rules.yml"), ALERT);
        Set<String> tested = matches(tests, TESTED_ALERT);
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        assertThat(tested).as("alerts with a promtool unit test").containsAll(alerts);

        List<String> command = new ArrayList<>(List.of(promtool, "test", "rules"));
        tests.forEach(p -> command.add(p.toString()));
        expectSuccess(run(command, 120), command);
    }

    @Test
    void aBrokenExpectationFails() throws Exception {
        // The harness itself: promtool test rules must report a failing expectation as a failure.
        Path work = Files.createTempDirectory("pgfleet-promtool");
        Path rules = work.resolve("r.rules.yml");
        Files.writeString(rules, """
                groups:
                  - name: g
                    rules:
                      - alert: Waiting
                        expr: pgbouncer_pools_client_waiting_connections > 0
                """);
        Path test = work.resolve("t.yml");
        Files.writeString(test, """
                rule_files: [r.rules.yml]
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'pgbouncer_pools_client_waiting_connections{database="a",user="u"}'
                        values: '0x5'
                    alert_rule_test:
                      - eval_time: 5m
                        alertname: Waiting
                        exp_alerts:
                          - exp_labels: {database: a, user: u}
                """);
        Result result = run(List.of(promtool, "test", "rules", test.toString()), 60);
        assertThat(result.exit).as("exit status of a failing promtool unit test").isNotZero();
        assertThat(result.stdout + result.stderr).contains("FAILED");
    }

    /**
     * tools/ensure-promtool on a machine without promtool, with stand-ins for {@code id} and
     * {@code apt-get} (no network, no root needed): as root it installs Debian's package and
     * prints the promtool that brought; otherwise it fails saying why.
     */
    @Test
    void ensurePromtoolInstallsTheDebianPackageAsRootAndExplainsWhenItCannot() throws Exception {
        Path bin = Files.createTempDirectory("pgfleet-fake-bin");
        Path installed = Files.createTempDirectory("pgfleet-fake-sbin");
        Path aptLog = bin.resolve("apt-get.log");
        String bash = "/bin/bash";
        fake(bin.resolve("apt-get"), "echo \"$*\" >> " + aptLog + "\n"
                + "if [[ $1 == install ]]; then printf '#!/bin/sh\\necho fake promtool\\n' > " + installed.resolve("promtool")
                + "; /bin/chmod +x " + installed.resolve("promtool") + "; fi\n");
        String path = bin + ":" + installed;
        String script = E2e.root().resolve("tools/ensure-promtool").toString();

        fake(bin.resolve("id"), "echo 1000\n");
        Result notRoot = runWithPath(List.of(bash, script), path);
        assertThat(notRoot.exit).isNotZero();
        assertThat(notRoot.stderr).contains("needs root").contains("apt-get install --no-install-recommends prometheus");
        assertThat(aptLog).doesNotExist();

        fake(bin.resolve("id"), "echo 0\n");
        Result root = runWithPath(List.of(bash, script), path);
        assertThat(root.exit).as(root.stderr).isZero();
        assertThat(root.stdout.strip()).isEqualTo(installed.resolve("promtool").toString());
        assertThat(Files.readString(aptLog)).contains("install -y --no-install-recommends prometheus");

        Result again = runWithPath(List.of(bash, script), path);
        assertThat(again.exit).isZero();
        assertThat(Files.readAllLines(aptLog)).as("installed once, found the second time").hasSize(1);

        Files.delete(installed.resolve("promtool"));
        Files.delete(bin.resolve("apt-get"));
        Result noApt = runWithPath(List.of(bash, script), path);
        assertThat(noApt.exit).isNotZero();
        assertThat(noApt.stderr).contains("no apt-get");
    }

    private static void fake(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/bash\n" + body);
        file.toFile().setExecutable(true);
    }

    private static Result runWithPath(List<String> command, String path) throws Exception {
        Path out = Files.createTempFile("ensure", ".out");
        Path err = Files.createTempFile("ensure", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("PATH", path);
            builder.environment().remove("PROMTOOL");
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static List<Path> files(Path directory, String suffix) throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static Set<String> matches(List<Path> files, Pattern pattern) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Path file : files) {
            Matcher m = pattern.matcher(Files.readString(file));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static void expectSuccess(Result result, List<String> command) {
        if (result.exit != 0) {
            fail(String.join(" ", command) + " exited " + result.exit + ":\n" + result.stdout + result.stderr);
        }
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<String> command, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile("promtool", ".out");
        Path err = Files.createTempFile("promtool", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
