package io.pgfleet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.pgfleet.e2e.Api;
import io.pgfleet.e2e.ControlPlaneProcess;
import io.pgfleet.e2e.E2e;
import io.pgfleet.e2e.E2ePostgres;
import io.pgfleet.e2e.bench.BenchFacts;
import io.pgfleet.proto.v1.Ack;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.PoolStats;
import io.pgfleet.proto.v1.ReportReceipt;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.StatsReport;
import io.pgfleet.proto.v1.StatsServiceGrpc;
import io.pgfleet.testkit.PostgresServer;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.pgfleet.e2e.bench.BenchFacts.commit;
import static io.pgfleet.e2e.bench.BenchFacts.cpuModel;
import static io.pgfleet.e2e.bench.BenchFacts.intSetting;
import static io.pgfleet.e2e.bench.BenchFacts.loadAverage;
import static io.pgfleet.e2e.bench.BenchFacts.log;
import static io.pgfleet.e2e.bench.BenchFacts.ms;
import static io.pgfleet.e2e.bench.BenchFacts.setting;

/**
 * Fleet stats ingest: one control-plane process (the packaged jar), BENCH_NODES simulated
 * nodes (real gRPC Sync streams presenting the fleet's bootstrap token, so the control plane
 * holds them, and a Report stream each) sending a StatsReport with BENCH_POOLS pools every
 * 10 s, staggered over the interval. While they report, a fleet-totals query
 * (GET /api/v1/stats/default, the last 15 minutes in 1-minute steps, with percentiles) is
 * issued every BENCH_QUERY_EVERY_MS. Reports the control plane's CPU (cores used, from
 * /proc/<pid>/stat) and the query's p50/p99. Not a test; run by bench/fleet-stats/run.
 */
public final class FleetStatsBench {
    private static final String FLEET = "default";
    private static final String START_MARKER = "<!-- fleet-stats:start -->";
    private static final String END_MARKER = "<!-- fleet-stats:end -->";
    private static final long INTERVAL_MS = 10_000;

    private final int nodeCount = intSetting("BENCH_NODES", 1000);
    private final int poolCount = intSetting("BENCH_POOLS", 50);
    private final int warmupSeconds = intSetting("BENCH_WARMUP_SECONDS", 40);
    private final int seconds = intSetting("BENCH_SECONDS", 180);
    private final int queryEveryMs = intSetting("BENCH_QUERY_EVERY_MS", 500);
    private final int channels = intSetting("BENCH_CHANNELS", 50);
    private final boolean writeDoc = !"0".equals(setting("BENCH_WRITE_DOC", "1"));
    private final String cpJavaOptions = setting("BENCH_CP_JAVA_OPTS", "-Xms512m -Xmx1g -XX:+UseZGC");
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failedStreams = new AtomicLong();

    public static void main(String[] args) throws Exception {
        int status;
        try {
            status = new FleetStatsBench().run();
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private int run() throws Exception {
        Path work = E2e.freshWorkDir("fleet-stats");
        log("work directory (logs): " + work);
        PostgresServer postgres = null;
        ControlPlaneProcess controlPlane = null;
        List<ManagedChannel> grpc = new ArrayList<>();
        ScheduledExecutorService reporters = Executors.newScheduledThreadPool(2);
        try {
            postgres = E2ePostgres.start();
            String dbPassword = E2e.randomToken(18);
            postgres.createUserAndDatabase("pgfleet", dbPassword, "pgfleet");
            controlPlane = new ControlPlaneProcess("control-plane", work,
                    ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", dbPassword));
            controlPlane.jvmOptions(cpJavaOptions);
            controlPlane.start().awaitReady(Duration.ofSeconds(120));
            log("control plane pid " + controlPlane.pid() + " on " + controlPlane.baseUrl());
            Api api = controlPlane.adminApi();
            String nodeToken = "bench-" + E2e.randomToken(24);
            api.put("/api/v1/fleets/" + FLEET, "{\"bootstrapToken\": \"" + nodeToken + "\"}").expectSuccess();

            for (int i = 0; i < channels; i++) {
                grpc.add(ManagedChannelBuilder.forTarget(controlPlane.grpcTarget()).usePlaintext().build());
            }
            ByteString[] histograms = histogramSamples(256, new Random(42));
            log("sample histogram sizes: " + histograms[0].size() + ".." + histograms[histograms.length - 1].size() + " bytes");
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < nodeCount; i++) {
                nodes.add(new Node(String.format("bench-node-%04d", i + 1), grpc.get(i % channels), nodeToken, histograms, i));
            }
            awaitHeld(api, Duration.ofSeconds(120));
            log(nodeCount + " nodes connected and held");

            // Every node reports every 10 s, spread evenly over the interval.
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                long offset = INTERVAL_MS * i / nodes.size();
                reporters.scheduleAtFixedRate(node::report, offset, INTERVAL_MS, TimeUnit.MILLISECONDS);
            }
            log("reporting; warm-up " + warmupSeconds + " s");
            Thread.sleep(warmupSeconds * 1000L);

            // The live heap is measured at the same point of a minute both times (15 s after the
            // minute's rollup), and the forced full GC is given 10 s to settle before measuring.
            awaitSecondOfMinute(15);
            long liveBefore = liveHeapBytes(controlPlane.pid());
            long stepsBefore = System.currentTimeMillis() / INTERVAL_MS;
            Thread.sleep(10_000);
            Histogram queryMicros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            HttpClient http = HttpClient.newHttpClient();
            String token = controlPlane.settings().adminToken();
            Duration cpuBefore = controlPlane.cpuTime();
            long sentBefore = sent.get();
            long wallStart = System.nanoTime();
            long end = wallStart + TimeUnit.SECONDS.toNanos(seconds);
            JsonNode last = null;
            int queries = 0;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(controlPlane.baseUrl()
                                + "/api/v1/stats/" + FLEET + "?step=1m"))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("fleet totals query: " + r.statusCode() + " " + r.body());
                }
                queryMicros.recordValue(micros);
                if (micros > 50_000) {
                    log("slow query: " + micros / 1000 + " ms");
                }
                queries++;
                last = Api.JSON.readTree(r.body());
                long sleep = queryEveryMs - TimeUnit.MICROSECONDS.toMillis(micros);
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            long wallNanos = System.nanoTime() - wallStart;
            Duration cpu = controlPlane.cpuTime().minus(cpuBefore);
            long reports = sent.get() - sentBefore;
            String rss = status(controlPlane.pid(), "VmRSS");
            awaitSecondOfMinute(15);
            long liveAfter = liveHeapBytes(controlPlane.pid());
            long steps = System.currentTimeMillis() / INTERVAL_MS - stepsBefore;
            String memory = String.format("live heap (after a full GC, `jcmd GC.class_histogram`): %.0f MB after the warm-up, "
                            + "%.0f MB at the end, %d steps (10 s) later: %.2f MB per step",
                    liveBefore / 1e6, liveAfter / 1e6, steps, (liveAfter - liveBefore) / 1e6 / steps);
            JsonNode pools = api.get("/api/v1/stats/" + FLEET + "/pools").expectSuccess().json();
            int up = 0;
            for (JsonNode n : pools.path("nodes")) {
                up += "up".equals(n.path("status").asText()) ? 1 : 0;
            }
            String metrics = http.send(HttpRequest.newBuilder(URI.create(controlPlane.baseUrl() + "/q/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String results = report(queryMicros, queries, cpu, Duration.ofNanos(wallNanos), reports, up, rss, last,
                    metricLine(metrics, "pgfleet_fleet_reports_dropped"), memory);
            System.out.println();
            System.out.println(results);
            if (failedStreams.get() > 0) {
                log(failedStreams.get() + " streams failed");
            }
            if (writeDoc) {
                writeDoc(results);
                log("wrote the results into docs/benchmarks.md");
            }
            return 0;
        } finally {
            reporters.shutdownNow();
            grpc.forEach(ManagedChannel::shutdownNow);
            if (controlPlane != null) {
                controlPlane.stop();
            }
            E2ePostgres.close(postgres);
        }
    }

    private void awaitHeld(Api api, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            JsonNode nodes = api.get("/api/v1/nodes?fleet=" + FLEET).expectSuccess().json();
            int connected = 0;
            for (JsonNode n : nodes) {
                connected += "DISCONNECTED".equals(n.path("status").asText()) ? 0 : 1;
            }
            if (connected >= nodeCount) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + connected + " of " + nodeCount + " nodes connected");
            }
            Thread.sleep(500);
        }
    }

    /** Latency histograms as a node would send them for 10 s of one pool: log-normal, a few hundred to a few thousand samples. */
    private static ByteString[] histogramSamples(int n, Random random) {
        ByteString[] out = new ByteString[n];
        for (int i = 0; i < n; i++) {
            Histogram h = new Histogram(2);
            int samples = 200 + random.nextInt(3000);
            double median = 300 + random.nextInt(3000); // µs
            for (int s = 0; s < samples; s++) {
                h.recordValue(Math.max(1, (long) (median * Math.exp(random.nextGaussian() * 0.8))));
            }
            ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
            int length = h.encodeIntoCompressedByteBuffer(buf);
            out[i] = ByteString.copyFrom(buf.array(), 0, length);
        }
        java.util.Arrays.sort(out, java.util.Comparator.comparingInt(ByteString::size));
        return out;
    }

    /** One simulated node: a held Sync stream and a Report stream on a shared channel. */
    private final class Node {
        private final String id;
        private final String boot = UUID.randomUUID().toString();
        private final StreamObserver<StatsReport> reports;
        private StreamObserver<NodeMessage> sync;
        private final ByteString[] histograms;
        /** The fleet's bootstrap token: the control plane takes a report only with its Sync stream's token. */
        private final String token;
        private final Random random;
        private final long[] xacts;
        private long accepted;

        Node(String id, ManagedChannel channel, String token, ByteString[] histograms, int seed) {
            this.id = id;
            this.token = token;
            this.histograms = histograms;
            this.random = new Random(seed);
            this.xacts = new long[poolCount];
            sync = NodeServiceGrpc.newStub(channel).sync(new StreamObserver<>() {
                @Override
                public void onNext(ControlMessage m) {
                    if (m.hasPush()) {
                        synchronized (Node.this) {
                            sync.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder().setGeneration(m.getPush().getGeneration())).build());
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    failedStreams.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                }
            });
            synchronized (this) {
                sync.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder().setToken(token).setIdentity(NodeIdentity.newBuilder()
                        .setNodeId(id).setBootId(boot).setFleet(FLEET).setBuild("fleet-stats-bench"))).build());
            }
            reports = StatsServiceGrpc.newStub(channel).report(new StreamObserver<>() {
                @Override
                public void onNext(ReportReceipt value) {
                    accepted = value.getReportsAccepted();
                }

                @Override
                public void onError(Throwable t) {
                    failedStreams.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                }
            });
        }

        synchronized void report() {
            StatsReport.Builder b = StatsReport.newBuilder().setNodeId(id).setBootId(boot).setToken(token).setTimestampMs(System.currentTimeMillis())
                    .setConfigGeneration(1);
            long clients = 0;
            for (int p = 0; p < poolCount; p++) {
                int n = 200 + random.nextInt(3000);
                xacts[p] += n;
                int active = random.nextInt(20);
                clients += active;
                b.addPools(PoolStats.newBuilder().setDatabase("db" + (p % 10)).setUser("user" + (p / 10))
                        .setXactCount(xacts[p]).setQueryCount(xacts[p] * 3).setXactTimeUs(xacts[p] * 2000)
                        .setQueryTimeUs(xacts[p] * 1500).setWaitTimeUs(xacts[p] * 20).setServerAssignmentCount(xacts[p])
                        .setBytesReceived(xacts[p] * 300).setBytesSent(xacts[p] * 900)
                        .setClActive(active).setClWaiting(random.nextInt(3)).setSvActive(random.nextInt(10)).setSvIdle(random.nextInt(10))
                        .setPoolSize(20).setMaxwaitUs(random.nextInt(50_000))
                        .setQueryLatencyUs(histograms[random.nextInt(histograms.length)])
                        .setXactLatencyUs(histograms[random.nextInt(histograms.length)])
                        .setWaitLatencyUs(histograms[random.nextInt(histograms.length / 4)]));
                if (p < 5) {
                    b.addServices(ServiceStats.newBuilder().setDatabase("db" + (p % 10)).setUser("user" + (p / 10))
                            .setApplicationName("service-" + p).setClients(active).setXactCount(xacts[p]).setXactTimeUs(xacts[p] * 2000));
                }
            }
            b.setNode(NodeStats.newBuilder().setClientConnections(clients).setServerConnections(clients / 2)
                    .setClientsAcceptedTotal(sent.get()));
            reports.onNext(b.build());
            sent.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------- the report

    private String report(Histogram h, int queries, Duration cpu, Duration wall, long reports, int up, String rss, JsonNode last,
                          String dropped, String memory) {
        double cores = cpu.toMillis() / (double) wall.toMillis();
        long p99 = h.getValueAtPercentile(99);
        StringBuilder out = new StringBuilder();
        out.append("### Machine and settings\n\n");
        out.append("- date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(" UTC; pgfleet commit: ").append(commit()).append("; load average at the end: ").append(loadAverage()).append('\n');
        out.append("- command: `bench/fleet-stats/run`\n");
        out.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores (nproc), shared with the simulated nodes and PostgreSQL; JDK: ").append(System.getProperty("java.version")).append('\n');
        out.append("- ").append(nodeCount).append(" simulated nodes (Sync + Report streams over ").append(channels)
                .append(" gRPC channels in one JVM), ").append(poolCount).append(" pools each, one report per node every 10 s ")
                .append("(3 latency histograms per pool, log-normal, 200-3200 samples each), ").append(warmupSeconds)
                .append(" s warm-up, then ").append(seconds).append(" s measured; control plane JVM options: `")
                .append(cpJavaOptions).append("`\n");
        out.append("- query: `GET /api/v1/stats/default?step=1m` (fleet totals, rates, averages and p50/p95/p99 over the last 15 minutes, ")
                .append("in memory) every ").append(queryEveryMs).append(" ms during ingest, ").append(queries).append(" queries\n\n");
        out.append("| nodes | pools/node | reports measured | control-plane CPU | cores used | query p50 | query p99 | query max | under 1 core, p99 < 50 ms |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
        out.append("| ").append(nodeCount).append(" | ").append(poolCount).append(" | ").append(reports)
                .append(" | ").append(String.format("%.1f s in %.1f s", cpu.toMillis() / 1000.0, wall.toMillis() / 1000.0))
                .append(" | ").append(String.format("%.2f", cores))
                .append(" | ").append(ms(h.getValueAtPercentile(50)))
                .append(" | ").append(ms(p99))
                .append(" | ").append(ms(h.getMaxValue()))
                .append(" | ").append(cores < 1 && p99 < 50_000 ? "yes" : "**no**").append(" |\n\n");
        JsonNode total = last == null ? null : last.path("series").path(0).path("total");
        out.append("At the end: ").append(up).append(" nodes up; control-plane RSS ").append(rss).append("; ").append(memory)
                .append("; reports dropped by the stats thread: ").append(dropped).append(". ");
        if (total != null) {
            out.append(String.format("The last answer: %.0f transactions/s fleet-wide, query p99 %d µs (merged histograms). ",
                    total.path("ratesPerSecond").path("xact_count").asDouble(), total.path("latencyUs").path("query").path("p99").asLong()));
        }
        out.append("CPU: utime + stime of the control-plane process over the measured window, from /proc/<pid>/stat, ")
                .append("including the queries.\n");
        return out.toString();
    }

    private static String metricLine(String metrics, String name) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return line.substring(line.lastIndexOf(' ') + 1);
            }
        }
        return "?";
    }

    private static void awaitSecondOfMinute(int second) throws InterruptedException {
        long now = System.currentTimeMillis();
        long target = now - now % 60_000 + second * 1000L;
        if (target <= now) {
            target += 60_000;
        }
        Thread.sleep(target - now);
    }

    /** Live objects of the JVM {@code pid}: {@code jcmd GC.class_histogram} runs a full GC first. */
    private static long liveHeapBytes(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        for (String line : out.split("\n")) {
            String t = line.strip();
            if (t.startsWith("Total")) {
                String[] f = t.split("\\s+");
                return Long.parseLong(f[2]);
            }
        }
        throw new IllegalStateException("jcmd GC.class_histogram gave no total: " + out.lines().limit(3).toList());
    }

    private static String heapUsed(String metrics) {
        double sum = 0;
        boolean found = false;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? String.format("%.0f MB", sum / 1e6) : "?";
    }

    private static String status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).strip();
                }
            }
        } catch (IOException e) {
            // gone
        }
        return "?";
    }

    private void writeDoc(String results) throws IOException {
        BenchFacts.writeSection(START_MARKER, END_MARKER, "Fleet stats ingest", "bench/fleet-stats/run", results);
    }
}
