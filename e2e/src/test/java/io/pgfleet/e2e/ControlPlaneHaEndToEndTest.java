package io.pgfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 5, "Done when", with real processes: two control-plane replicas on one PostgreSQL
 * database and three nodes, each configured with both replicas' gRPC targets. The steps run
 * in order on one fleet (a: register and sync, b: change a pool under live clients, c: a
 * change a node rejects, d: kill -9 one replica, e: both replicas down, f: replicas back);
 * each step is skipped when an earlier one failed, since it builds on that state.
 *
 * <p>Written against docs/control-plane.md (fleet-scoped REST, bearer tokens, node
 * snapshot options, comma-separated control-plane targets).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneHaEndToEndTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration SYNC = Duration.ofSeconds(30);
    /**
     * For nodes that must first (re)connect: a node's agent backs off up to 30 s between
     * attempts while no control plane answers, so after an outage it may wait that long.
     */
    private static final Duration RECONNECT = Duration.ofSeconds(30).plus(SYNC);
    private static final String FLEET = "default";
    private static final String DATABASE = "app";      // the name clients use: the upstream's name
    private static final String SERVER_DB = "appdb";   // the real database behind it
    private static final String USER = "app";
    private static final String PASSWORD = "app-secret-" + E2e.randomToken(6);
    private static final List<String> NODE_IDS = List.of("node-1", "node-2", "node-3");

    private PostgresServer postgres;
    private ControlPlaneProcess.Settings controlPlaneSettings;
    private Path workDir;
    private String nodeToken;
    private ControlPlaneProcess replicaA;
    private ControlPlaneProcess replicaB;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    /** Clients opened in step b and kept open through the later steps, by node. */
    private final Map<String, List<Connection>> idleClients = new LinkedHashMap<>();
    private final Map<String, Connection> transactionClients = new LinkedHashMap<>();
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "e2e-client");
        thread.setDaemon(true);
        return thread;
    });
    /** The newest revision this test has caused. */
    private long latestRevision;
    private int stepsPassed;

    @BeforeAll
    void startFleet() {
        Path work = E2e.freshWorkDir(getClass().getSimpleName());
        workDir = work;
        postgres = E2ePostgres.start();
        String controlPlaneDbPassword = E2e.randomToken(18);
        postgres.createUserAndDatabase("pgfleet", controlPlaneDbPassword, "pgfleet");
        postgres.createUserAndDatabase(USER, PASSWORD, SERVER_DB);
        controlPlaneSettings = ControlPlaneProcess.Settings.generate(postgres.jdbcUrl("pgfleet"), "pgfleet", controlPlaneDbPassword);

        replicaA = new ControlPlaneProcess("control-plane-a", work, controlPlaneSettings);
        replicaB = new ControlPlaneProcess("control-plane-b", work, controlPlaneSettings);
        // One after the other: the first runs the migrations.
        replicaA.start().awaitReady(STARTUP);
        replicaB.start().awaitReady(STARTUP);

        // Fleets admit nodes only with their bootstrap token (nodes receive server passwords).
        nodeToken = "fleet-" + E2e.randomToken(24);
        replicaA.adminApi().put("/api/v1/fleets/" + FLEET, "{\"bootstrapToken\": \"" + nodeToken + "\"}").expect(200);
        String snapshotKey = E2e.randomBase64(32);
        for (int i = 0; i < NODE_IDS.size(); i++) {
            String id = NODE_IDS.get(i);
            // Both replicas for every node; node-2 lists B first so the nodes spread over both.
            List<String> targets = i % 2 == 0
                    ? List.of(replicaA.grpcTarget(), replicaB.grpcTarget())
                    : List.of(replicaB.grpcTarget(), replicaA.grpcTarget());
            NodeProcess node = NodeProcess.builder(id, work).controlPlanes(targets)
                    .snapshot(work.resolve(id + ".snapshot"), snapshotKey).token(nodeToken).build();
            nodes.put(id, node);
            node.start(); // readiness (= holds a config) comes after step a registers one
        }
    }

    @AfterAll
    void stopFleet() {
        List<Throwable> failures = new ArrayList<>();
        // Clients of a node that is gone may fail to say goodbye: not a failure of the test.
        idleClients.values().forEach(list -> list.forEach(c -> closeQuietly(c, new ArrayList<>())));
        transactionClients.values().forEach(c -> closeQuietly(c, new ArrayList<>()));
        executor.shutdownNow();
        for (NodeProcess node : nodes.values()) {
            run(node::stop, failures);
        }
        if (replicaA != null) {
            run(replicaA::stop, failures);
        }
        if (replicaB != null) {
            run(replicaB::stop, failures);
        }
        run(() -> E2ePostgres.close(postgres), failures);
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("cleanup failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    // ---------------------------------------------------------------- the steps

    @Test
    @Order(1)
    void a_anUpstreamAndUserRegisteredOverRestReachEveryNode() throws Exception {
        Api api = replicaA.adminApi();
        assertThat(api.withToken(null).get("/api/v1/nodes").status()).as("the API without a token").isEqualTo(401);

        long upstreamRevision = putUpstream(api, upstreamSpec(2)).expect(200, 201).revision();
        Api.Response user = api.put(path("users", USER), Map.of("password", PASSWORD)).expect(200, 201);
        assertThat(user.body()).as("a password never leaves the control plane").doesNotContain(PASSWORD);
        latestRevision = Math.max(upstreamRevision, user.revision());

        awaitNodes(api, "all nodes SYNCED at revision >= " + latestRevision, syncedAtLeast(latestRevision));
        for (NodeProcess node : nodes.values()) {
            node.awaitReady(STARTUP);
            assertServesNewClients(node);
        }
        try (Connection c = connect(nodes.get("node-1"))) {
            c.createStatement().execute("CREATE TABLE e2e_marks (id serial PRIMARY KEY, node text NOT NULL, step text NOT NULL)");
        }
        stepsPassed = 1;
    }

    @Test
    @Order(2)
    void b_aPoolSizeChangeReachesEveryNodeWithoutDroppingAClient() throws Exception {
        requireSteps(1);
        Api api = replicaA.adminApi();
        for (NodeProcess node : nodes.values()) {
            List<Connection> idle = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Connection c = connect(node);
                assertThat(selectOne(c)).isEqualTo(1);
                idle.add(c);
            }
            idleClients.put(node.nodeId(), idle);
            Connection inTransaction = connect(node);
            inTransaction.setAutoCommit(false);
            mark(inTransaction, node, "b-before-change");
            transactionClients.put(node.nodeId(), inTransaction); // open transaction: holds a server
        }

        // On node-1 a second open transaction takes the pool's other server (size 2), so a
        // third client's transaction must wait for one: the old size is enforced.
        // (pgjdbc runs a query while connecting, so the waiter connects first.)
        NodeProcess first = nodes.get("node-1");
        Connection waiter = connect(first);
        waiter.setAutoCommit(false);
        Connection secondHolder = connect(first);
        secondHolder.setAutoCommit(false);
        assertThat(selectOne(secondHolder)).isEqualTo(1);
        Future<Integer> waiting = executor.submit(() -> selectOne(waiter));
        assertThatThrownBy(() -> waiting.get(1, TimeUnit.SECONDS)).as("a third transaction at pool size 2")
                .isInstanceOf(TimeoutException.class);

        long revision = putUpstream(api, upstreamSpec(5)).expect(200).revision();
        assertThat(revision).isGreaterThan(latestRevision);
        latestRevision = revision;
        awaitNodes(api, "all nodes ACK the pool size change (revision " + revision + ")", syncedAtLeast(revision));

        // The waiting client got a server once the pool grew, on the same connection.
        assertThat(waiting.get(20, TimeUnit.SECONDS)).isEqualTo(1);
        waiter.commit();
        secondHolder.commit();
        closeQuietly(waiter, new ArrayList<>());
        closeQuietly(secondHolder, new ArrayList<>());

        // Nobody was dropped: idle clients still answer, open transactions go on and commit.
        for (NodeProcess node : nodes.values()) {
            for (Connection c : idleClients.get(node.nodeId())) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            Connection inTransaction = transactionClients.get(node.nodeId());
            mark(inTransaction, node, "b-after-change");
            inTransaction.commit();
            inTransaction.setAutoCommit(true);
            try (PreparedStatement ps = idleClients.get(node.nodeId()).get(0)
                    .prepareStatement("SELECT count(*) FROM e2e_marks WHERE node = ?")) {
                ps.setString(1, node.nodeId());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("rows committed through " + node.nodeId()).isEqualTo(2);
                }
            }
        }

        // The change took effect: 5 transactions open at once on one node get 5 server
        // connections (at the old size of 2, the third would wait for a server).
        Set<Integer> pids = concurrentTransactionPids(nodes.get("node-1"), 5);
        assertThat(pids).as("backend pids of 5 concurrent transactions through node-1").hasSize(5);
        stepsPassed = 2;
    }

    @Test
    @Order(3)
    void c_aChangeTheNodesRejectIsReportedAndTheLastGoodConfigKeepsServing() throws Exception {
        requireSteps(2);
        Api api = replicaA.adminApi();
        // Valid for the control plane (it runs the node's validator), but more clients than
        // any node's open-file limit allows: only the nodes can refuse it (NodeLimits).
        long badRevision = api.put("/api/v1/fleets/" + FLEET, "{\"pool\": {\"max_client_conn\": 2000000000}}")
                .expect(200).revision();
        latestRevision = Math.max(latestRevision, badRevision);

        Map<String, JsonNode> rejected = awaitNodes(api, "all nodes REJECTED revision " + badRevision + " with a reason",
                n -> "REJECTED".equals(n.path("status").asText()) && !n.path("lastError").asText("").isBlank());
        rejected.values().forEach(n -> assertThat(n.path("lastError").asText()).as(n.toString())
                .contains("revision " + badRevision).contains("max_client_conn 2000000000").contains("open-file limit"));

        // The last good config still serves, old and new clients alike.
        for (NodeProcess node : nodes.values()) {
            assertServesNewClients(node);
            for (Connection c : idleClients.get(node.nodeId())) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }

        // A good revision of the refused resource clears the rejection.
        long repaired = api.put("/api/v1/fleets/" + FLEET, "{\"pool\": {\"max_client_conn\": 1000}}").expect(200).revision();
        assertThat(repaired).isGreaterThan(badRevision);
        latestRevision = repaired;
        awaitNodes(api, "all nodes SYNCED again at revision " + repaired, syncedAtLeast(repaired));
        stepsPassed = 3;
    }

    @Test
    @Order(4)
    void d_killingOneReplicaMovesItsNodesToTheOther() throws Exception {
        requireSteps(3);
        replicaA.kill();
        assertThat(replicaA.isAlive()).isFalse();
        Api api = replicaB.adminApi();

        long revision = putUpstream(api, upstreamSpec(4)).expect(200).revision();
        latestRevision = revision;
        awaitNodes(api, RECONNECT, "all nodes SYNCED through the surviving replica at revision " + revision,
                syncedAtLeast(revision));
        for (NodeProcess node : nodes.values()) {
            assertServesNewClients(node);
            for (Connection c : idleClients.get(node.nodeId())) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
        stepsPassed = 4;
    }

    @Test
    @Order(5)
    void e_withBothReplicasDownNodesServeAndARestartedNodeStartsFromItsSnapshot() throws Exception {
        requireSteps(4);
        replicaB.stop();
        assertThat(replicaA.isAlive()).isFalse();
        assertThat(replicaB.isAlive()).isFalse();

        for (NodeProcess node : nodes.values()) {
            assertServesNewClients(node);
            for (Connection c : idleClients.get(node.nodeId())) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }

        NodeProcess restarted = nodes.get("node-3");
        Path snapshot = restarted.snapshotFile();
        assertThat(snapshot).exists();
        String snapshotText = Files.readString(snapshot, StandardCharsets.ISO_8859_1);
        assertThat(snapshotText).as("the snapshot is encrypted").doesNotContain(SERVER_DB).doesNotContain(PASSWORD);
        // Its clients go with it.
        idleClients.remove(restarted.nodeId()).forEach(c -> closeQuietly(c, new ArrayList<>()));
        closeQuietly(transactionClients.remove(restarted.nodeId()), new ArrayList<>());
        restarted.stop();
        restarted.start().awaitReady(STARTUP); // ready = holds a config; no control plane is up to give one
        assertServesNewClients(restarted);
        stepsPassed = 5;
    }

    @Test
    @Order(6)
    void f_restartedReplicasResyncEveryNode() throws Exception {
        requireSteps(5);
        replicaA.start();
        replicaB.start();
        replicaA.awaitReady(STARTUP);
        replicaB.awaitReady(STARTUP);
        long latest = latestRevision;
        for (ControlPlaneProcess replica : List.of(replicaA, replicaB)) {
            awaitNodes(replica.adminApi(), RECONNECT, "all nodes SYNCED at the latest revision " + latest + " seen by " + replica.name(),
                    n -> "SYNCED".equals(n.path("status").asText()) && n.path("appliedGeneration").asLong() == latest);
        }

        long revision = putUpstream(replicaB.adminApi(), upstreamSpec(3)).expect(200).revision();
        latestRevision = revision;
        for (ControlPlaneProcess replica : List.of(replicaA, replicaB)) {
            awaitNodes(replica.adminApi(), "all nodes SYNCED at revision " + revision + " seen by " + replica.name(),
                    syncedAtLeast(revision));
        }
        for (NodeProcess node : nodes.values()) {
            assertServesNewClients(node);
        }
        stepsPassed = 6;
    }

    // ---------------------------------------------------------------- REST

    @Test
    @Order(7)
    void g_noSecretReachedAnyLog() throws Exception {
        requireSteps(6);
        try (var files = java.nio.file.Files.list(workDir)) {
            List<Path> logs = files.filter(f -> f.toString().endsWith(".log")).toList();
            assertThat(logs).as("logs of 2 control planes and 3 nodes").hasSizeGreaterThanOrEqualTo(5);
            for (Path log : logs) {
                String text = java.nio.file.Files.readString(log);
                assertThat(text).as(log.getFileName().toString())
                        .doesNotContain(PASSWORD)
                        .doesNotContain(controlPlaneSettings.adminToken())
                        .doesNotContain(controlPlaneSettings.secretsKey())
                        .doesNotContain(controlPlaneSettings.dbPassword())
                        .doesNotContain(nodeToken);
            }
        }
    }

    private static String path(String kind, String name) {
        return "/api/v1/fleets/" + FLEET + "/" + kind + "/" + name;
    }

    private ObjectNode upstreamSpec(int poolSize) {
        ObjectNode spec = Api.object().put("host", postgres.host()).put("port", postgres.port()).put("dbname", SERVER_DB);
        spec.putObject("pool").put("pool_mode", "transaction").put("default_pool_size", poolSize);
        return spec;
    }

    private static Api.Response putUpstream(Api api, ObjectNode spec) {
        return api.put(path("upstreams", DATABASE), spec);
    }

    private static Predicate<JsonNode> syncedAtLeast(long revision) {
        return n -> "SYNCED".equals(n.path("status").asText()) && n.path("appliedGeneration").asLong() >= revision;
    }

    /**
     * Polls GET /api/v1/nodes?fleet= until every node of this test matches; returns them by id.
     * Fails with the last answer when {@code within} ({@link #SYNC} unless given) passes first. A replica that does not
     * answer (yet) is polled again.
     */
    private Map<String, JsonNode> awaitNodes(Api api, String description, Predicate<JsonNode> condition) {
        return awaitNodes(api, SYNC, description, condition);
    }

    private Map<String, JsonNode> awaitNodes(Api api, Duration within, String description, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        String last = "no answer yet";
        while (true) {
            try {
                Api.Response response = api.get("/api/v1/nodes?fleet=" + FLEET);
                last = response.status() + " " + response.body();
                if (response.status() == 200) {
                    Map<String, JsonNode> byId = new LinkedHashMap<>();
                    for (JsonNode n : response.json()) {
                        byId.put(n.path("nodeId").asText(), n);
                    }
                    if (NODE_IDS.stream().allMatch(id -> byId.containsKey(id) && condition.test(byId.get(id)))) {
                        return byId;
                    }
                }
            } catch (RuntimeException e) {
                last = e.toString();
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("not within " + within + ": " + description + "; last GET " + api.baseUrl()
                        + "/api/v1/nodes: " + last);
            }
            sleep(100);
        }
    }

    /**
     * Writes an upstream's port straight into the control plane's database, past the API's
     * validation (which runs the node's own validator and would answer 400), as one new
     * revision with its audit row, and tells the replicas as a committed change does (NOTIFY
     * {@code pgfleet_config}, payload {@code <fleet>:<revision>}, see ConfigChanged). A port
     * of 70000 is what the node's ResourceValidator refuses ("upstream port 70000 is out of
     * range 1-65535").
     *
     * <p>INTEGRATOR: written against V2__versioned_desired_state.sql as committed on main at
     * d74963d (desired_resource with the normalized spec {"hosts": [{"host", "port"}], ...},
     * config_change as the audit trail) while this branch still had only V1; check it against
     * the merged migrations. Returns the revision taken.
     */
    // ---------------------------------------------------------------- clients

    private static Connection connect(NodeProcess node) throws SQLException {
        return DriverManager.getConnection(node.jdbcUrl(DATABASE), USER, PASSWORD);
    }

    /** A new psql and a new pgjdbc client through the node both reach the upstream database. */
    private static void assertServesNewClients(NodeProcess node) throws SQLException {
        if (Psql.available()) {
            Psql.Result result = Psql.run("127.0.0.1", node.port(), USER, PASSWORD, DATABASE, "SELECT current_database()");
            assertThat(result.exitCode()).as("psql through " + node.nodeId() + ": " + result.stderr()).isZero();
            assertThat(result.stdout()).isEqualTo(SERVER_DB);
        }
        try (Connection c = connect(node); ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).as("pgjdbc through " + node.nodeId()).isEqualTo(SERVER_DB);
        }
    }

    private static int selectOne(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void mark(Connection c, NodeProcess node, String step) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO e2e_marks (node, step) VALUES (?, ?)")) {
            ps.setString(1, node.nodeId());
            ps.setString(2, step);
            ps.executeUpdate();
        }
    }

    /**
     * Opens {@code count} transactions through the node, one after the other, each holding
     * its server (BEGIN; SELECT pg_backend_pid()); a transaction that gets no server within
     * 20 s fails the test. Rolls back and closes them all.
     */
    private Set<Integer> concurrentTransactionPids(NodeProcess node, int count) throws Exception {
        List<Connection> open = new ArrayList<>();
        Set<Integer> pids = new HashSet<>();
        try {
            for (int i = 0; i < count; i++) {
                Connection c = connect(node);
                open.add(c);
                c.setAutoCommit(false);
                Future<Integer> pid = executor.submit(() -> {
                    try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
                try {
                    pids.add(pid.get(20, TimeUnit.SECONDS));
                } catch (TimeoutException e) {
                    throw new AssertionError("transaction " + (i + 1) + " of " + count + " through " + node.nodeId()
                            + " got no server within 20 s: the pool is smaller than " + count);
                }
            }
            return pids;
        } finally {
            for (Connection c : open) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // closing it is what matters
                }
                closeQuietly(c, new ArrayList<>());
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private void requireSteps(int steps) {
        assumeTrue(stepsPassed >= steps, "an earlier step failed; this one builds on its state");
    }

    private static void closeQuietly(Connection c, List<Throwable> failures) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            failures.add(e);
        }
    }

    private static void run(Runnable action, List<Throwable> failures) {
        try {
            action.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
