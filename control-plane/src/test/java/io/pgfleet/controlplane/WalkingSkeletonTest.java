package io.pgfleet.controlplane;

import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.agent.AgentSettings;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.testkit.PostgresServer;
import io.pgfleet.testkit.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole path once, for real: REST -> PostgreSQL (desired state) -> gRPC Sync -> node ->
 * upstream PostgreSQL, used by pgjdbc and psql with SCRAM-SHA-256. Breaking any link makes
 * a client login or query below fail.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class WalkingSkeletonTest {
    private static final Duration SYNC_DEADLINE = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URL controlPlane;

    @Test
    void aDatabaseAndUserRegisteredOverRestAreServedByEveryNode() throws Exception {
        PostgresServer upstream = PostgresTestResource.server();
        upstream.createUserAndDatabase("shop", "shop-secret", "shopdb");

        admin().contentType(ContentType.JSON)
                .body("{\"host\": \"" + upstream.host() + "\", \"port\": " + upstream.port() + ", \"dbname\": \"shopdb\"}")
                .put("/api/v1/fleets/default/upstreams/shop")
                .then().statusCode(201);
        admin().contentType(ContentType.JSON).body("{\"password\": \"shop-secret\"}")
                .put("/api/v1/fleets/default/users/shop")
                .then().statusCode(201)
                .body(not(containsString("shop-secret")));

        try (FleetNode first = startNode("node-a")) {
            awaitDatabase(first, "shop");
            assertQueriesRunThrough(first, upstream);

            // A node that connects later gets the same config.
            try (FleetNode second = startNode("node-b")) {
                awaitDatabase(second, "shop");
                assertQueriesRunThrough(second, upstream);
            }

            // A change made while a node is connected reaches it without a reconnect.
            upstream.createUserAndDatabase("billing", "billing-secret", "billingdb");
            admin().contentType(ContentType.JSON)
                    .body("{\"host\": \"" + upstream.host() + "\", \"port\": " + upstream.port() + "}")
                    .put("/api/v1/fleets/default/upstreams/billingdb").then().statusCode(201);
            admin().contentType(ContentType.JSON).body("{\"password\": \"billing-secret\"}")
                    .put("/api/v1/fleets/default/users/billing").then().statusCode(201);
            awaitDatabase(first, "billingdb");
            awaitUser(first, "billing");
            try (Connection c = DriverManager.getConnection(nodeUrl(first, "billingdb"), "billing", "billing-secret");
                 ResultSet rs = c.createStatement().executeQuery("SELECT current_user, current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("billing");
                assertThat(rs.getString(2)).isEqualTo("billingdb");
            }

            admin().get("/api/v1/nodes").then().statusCode(200)
                    .body("nodeId", hasItem("node-a"))
                    .body("find { it.nodeId == 'node-a' }.status", org.hamcrest.Matchers.equalTo("SYNCED"));
        }
    }

    private FleetNode startNode(String nodeId) throws InterruptedException {
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId(nodeId).setBootId(UUID.randomUUID().toString())
                .setFleet("default").setBuild("test").build();
        return FleetNode.start(PoolerSettings.defaults("127.0.0.1", 0),
                new AgentSettings(controlPlane.getHost() + ":" + controlPlane.getPort(), true, identity, "", Duration.ofSeconds(1)));
    }

    private static void assertQueriesRunThrough(FleetNode node, PostgresServer upstream) throws Exception {
        try (Connection c = DriverManager.getConnection(nodeUrl(node, "shop"), "shop", "shop-secret")) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS orders (id serial primary key, item text)");
            c.createStatement().execute("INSERT INTO orders (item) VALUES ('book')");
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT current_user, current_database(), inet_server_port(), (SELECT count(*) FROM orders) > 0")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("shop");
                assertThat(rs.getString(2)).isEqualTo("shopdb");
                assertThat(rs.getInt(3)).isEqualTo(upstream.port());
                assertThat(rs.getBoolean(4)).isTrue();
            }
        }
        assumeTrue(Psql.available(), "psql is not installed");
        Psql.Result psql = Psql.run("127.0.0.1", node.port(), "shop", "shop-secret", "shop",
                "SELECT current_user || '@' || current_database()");
        assertThat(psql.exitCode()).as(psql.stderr()).isZero();
        assertThat(psql.stdout()).isEqualTo("shop@shopdb");
    }

    private static String nodeUrl(FleetNode node, String database) {
        return "jdbc:postgresql://127.0.0.1:" + node.port() + "/" + database + "?sslmode=disable";
    }

    private static void awaitDatabase(FleetNode node, String database) throws InterruptedException {
        await(() -> node.config().current().databases().containsKey(database), "database " + database + " on the node");
    }

    private static void awaitUser(FleetNode node, String user) throws InterruptedException {
        await(() -> node.config().current().users().containsKey(user), "user " + user + " on the node");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + SYNC_DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Calls as the test profile's bootstrap admin token (pgfleet.api.admin-token). */
    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer test-admin-token");
    }
}
