package io.pgfleet.e2e.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.e2e.Api;
import io.pgfleet.e2e.ControlPlaneProcess;
import io.pgfleet.e2e.E2e;
import io.pgfleet.e2e.E2ePostgres;
import io.pgfleet.testkit.PostgresServer;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.e2e.bench.BenchFacts.commit;
import static io.pgfleet.e2e.bench.BenchFacts.cpuModel;
import static io.pgfleet.e2e.bench.BenchFacts.intSetting;
import static io.pgfleet.e2e.bench.BenchFacts.loadAverage;
import static io.pgfleet.e2e.bench.BenchFacts.log;
import static io.pgfleet.e2e.bench.BenchFacts.ms;
import static io.pgfleet.e2e.bench.BenchFacts.setting;

/**
 * Config propagation: how long from a committed change (the REST response) until the last of
 * N nodes has it. Not a test; run by {@code bench/config-propagation}.
 *
 * <p>Starts an embedded PostgreSQL and one control-plane process (the packaged jar), connects
 * {@code BENCH_NODES} simulated nodes (real gRPC Sync clients, see {@link SimulatedNode}),
 * then makes {@code BENCH_CHANGES} changes over REST one at a time (alternating
 * {@code default_pool_size} of one upstream) and measures, for each, the time from the REST
 * response to the moment the last node has received that change's generation and sent its
 * Ack. Reports p50/p90/p99/max and the control plane's CPU time over the measured changes;
 * unless {@code BENCH_WRITE_DOC=0}, rewrites the "Config propagation" results in
 * docs/benchmarks.md.
 */
public final class ConfigPropagationBench {
    private static final String FLEET = "default";
    private static final String START_MARKER = "<!-- config-propagation:start -->";
    private static final String END_MARKER = "<!-- config-propagation:end -->";
    private static final Duration PER_CHANGE_LIMIT = Duration.ofSeconds(30);

    private final int nodeCount = intSetting("BENCH_NODES", 100);
    private final int changes = intSetting("BENCH_CHANGES", 200);
    private final int warmup = intSetting("BENCH_WARMUP_CHANGES", 20);
    private final boolean writeDoc = !"0".equals(setting("BENCH_WRITE_DOC", "1"));
    private final String command = setting("BENCH_COMMAND", "bench/config-propagation");
    private final String cpJavaOptions = setting("BENCH_CP_JAVA_OPTS", "-Xms256m -Xmx512m");
    private final Object pushed = new Object();

    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = new ConfigPropagationBench().run();
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        // Exit explicitly: gRPC and JDBC leave non-daemon threads; the shutdown hooks stop what is left.
        System.exit(status);
    }

    private int run() throws Exception {
        Path work = E2e.freshWorkDir("config-propagation");
        log("work directory (logs): " + work);
        PostgresServer postgres = null;
        ControlPlaneProcess controlPlane = null;
        List<SimulatedNode> nodes = new ArrayList<>();
        try {
            postgres = E2ePostgres.start();
            String dbPassword = E2e.randomToken(18);
            postgres.createUserAndDatabase("pgfleet", dbPassword, "pgfleet");
            postgres.createUserAndDatabase("bench", "bench-" + E2e.randomToken(9), "benchdb");
            log("PostgreSQL on " + postgres.host() + ":" + postgres.port());

            controlPlane = new ControlPlaneProcess("control-plane", work,
                    ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", dbPassword));
            controlPlane.jvmOptions(cpJavaOptions);
            controlPlane.start().awaitReady(Duration.ofSeconds(120));
            log("control plane pid " + controlPlane.pid() + " on " + controlPlane.baseUrl());
            Api api = controlPlane.adminApi();
            Changes upstream = Changes.detect(api, postgres);
            log("REST API: " + upstream.description());
            long first = upstream.apply(0);

            // Fleets admit nodes only with their bootstrap token.
            String nodeToken = "bench-" + E2e.randomToken(24);
            api.put("/api/v1/fleets/" + FLEET, "{\"bootstrapToken\": \"" + nodeToken + "\"}").expectSuccess();
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new SimulatedNode(controlPlane.grpcTarget(), FLEET, String.format("bench-node-%03d", i + 1), nodeToken,
                        this::onPush));
            }
            awaitAll(nodes, first, Duration.ofSeconds(60));
            log(nodeCount + " simulated nodes hold revision " + first);

            for (int i = 1; i <= warmup; i++) {
                measure(nodes, upstream, i);
            }
            log(warmup + " warm-up changes done; measuring " + changes);

            Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            int beforeResponse = 0;
            Duration cpuBefore = controlPlane.cpuTime();
            long wallStart = System.nanoTime();
            for (int i = 1; i <= changes; i++) {
                long micros = measure(nodes, upstream, warmup + i);
                if (micros < 0) {
                    beforeResponse++;
                }
                histogram.recordValue(Math.max(0, micros));
            }
            long wallNanos = System.nanoTime() - wallStart;
            Duration cpu = controlPlane.cpuTime().minus(cpuBefore);

            String results = report(histogram, beforeResponse, cpu, Duration.ofNanos(wallNanos), upstream.description());
            System.out.println();
            System.out.println(results);
            if (writeDoc) {
                writeDoc(results);
                log("wrote the results into docs/benchmarks.md");
            }
            return 0;
        } finally {
            nodes.forEach(SimulatedNode::close);
            if (controlPlane != null) {
                controlPlane.stop();
            }
            E2ePostgres.close(postgres);
        }
    }

    /** One change; returns microseconds from its REST response until the last node acked it. */
    private long measure(List<SimulatedNode> nodes, Changes upstream, int index) throws InterruptedException {
        long revision = upstream.apply(index);
        long responded = System.nanoTime();
        awaitAll(nodes, revision, PER_CHANGE_LIMIT);
        long last = Long.MIN_VALUE;
        for (SimulatedNode node : nodes) {
            last = Math.max(last, node.ackedAt(revision));
        }
        return TimeUnit.NANOSECONDS.toMicros(last - responded);
    }

    private void onPush() {
        synchronized (pushed) {
            pushed.notifyAll();
        }
    }

    private void awaitAll(List<SimulatedNode> nodes, long generation, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (pushed) {
            while (true) {
                int behind = 0;
                for (SimulatedNode node : nodes) {
                    if (node.failure() != null) {
                        throw new IllegalStateException(node.nodeId() + ": Sync stream failed", node.failure());
                    }
                    if (node.maxGeneration() < generation) {
                        behind++;
                    }
                }
                if (behind == 0) {
                    return;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new IllegalStateException(behind + " of " + nodes.size() + " nodes did not get generation "
                            + generation + " within " + within);
                }
                TimeUnit.NANOSECONDS.timedWait(pushed, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }

    /** The change the bench makes: one upstream's pool size, alternating, so every change reaches every node. */
    private record Changes(Api api, PostgresServer postgres) {
        static Changes detect(Api api, PostgresServer postgres) {
            Changes changes = new Changes(api, postgres);
            changes.put(0).expectSuccess();
            return changes;
        }

        String description() {
            return "PUT /api/v1/fleets/default/upstreams/bench, default_pool_size alternating 10/11";
        }

        /** Makes change number {@code index} and returns its revision. */
        long apply(int index) {
            return put(index).expectSuccess().revision();
        }

        private Api.Response put(int index) {
            ObjectNode spec = Api.object().put("host", postgres.host()).put("port", postgres.port()).put("dbname", "benchdb");
            spec.putObject("pool").put("pool_mode", "transaction").put("default_pool_size", 10 + index % 2);
            return api.put("/api/v1/fleets/" + FLEET + "/upstreams/bench", spec);
        }
    }

    // ---------------------------------------------------------------- the report

    private String report(Histogram h, int beforeResponse, Duration cpu, Duration wall, String change) {
        StringBuilder out = new StringBuilder();
        out.append("### Machine and settings\n\n");
        out.append("- date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(" UTC; pgfleet commit: ").append(commit()).append("; load average at the end: ").append(loadAverage()).append('\n');
        out.append("- command: `").append(command).append("`\n");
        out.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores (nproc); JDK: ").append(System.getProperty("java.version")).append('\n');
        out.append("- ").append(nodeCount).append(" simulated nodes (gRPC Sync clients in one JVM, one channel each), ")
                .append(changes).append(" measured changes after ").append(warmup).append(" warm-up ones, one at a time; ")
                .append("control plane JVM options: `").append(cpJavaOptions).append("`\n");
        out.append("- the change: ").append(change).append("\n\n");
        out.append("| changes | nodes | p50 | p90 | p99 | max | mean | control-plane CPU | CPU per change | p99 < 1 s |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
        long p99 = h.getValueAtPercentile(99);
        out.append("| ").append(changes).append(" | ").append(nodeCount)
                .append(" | ").append(ms(h.getValueAtPercentile(50)))
                .append(" | ").append(ms(h.getValueAtPercentile(90)))
                .append(" | ").append(ms(p99))
                .append(" | ").append(ms(h.getMaxValue()))
                .append(" | ").append(ms((long) h.getMean()))
                .append(" | ").append(String.format("%.2f s in %.1f s", cpu.toMillis() / 1000.0, wall.toMillis() / 1000.0))
                .append(" | ").append(String.format("%.1f ms", cpu.toMillis() / (double) changes))
                .append(" | ").append(p99 < 1_000_000 ? "yes" : "**no**").append(" |\n\n");
        out.append("Latency: from the REST response (the change committed) to the Ack of the last of the ")
                .append(nodeCount).append(" nodes. ");
        if (beforeResponse > 0) {
            out.append(beforeResponse).append(" of the changes had reached every node before their REST response arrived (recorded as 0). ");
        }
        out.append("CPU: utime + stime of the control-plane process over the measured changes, from /proc.\n");
        return out.toString();
    }

    private void writeDoc(String results) throws IOException {
        BenchFacts.writeSection(START_MARKER, END_MARKER, "Config propagation", "bench/config-propagation", results);
    }
}
