package io.pgfleet.controlplane;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.pgfleet.controlplane.TestTokens.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * The desired state over REST against a real PostgreSQL: revisions, idempotent PUT,
 * If-Match, dry runs, the audit trail, rollback, validation by the node's validator,
 * references, and secrets that never come back out. Each test uses its own fleet.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class DesiredStateApiTest {

    private static Response put(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).put("/api/v1" + path).then().log().ifValidationFails().extract().response();
    }

    private static void fleet(String name) {
        put("/fleets/" + name, "{\"description\": \"test fleet\"}").then().statusCode(201);
    }

    @Test
    void putTakesARevisionOnceAndTheSameSpecAgainChangesNothing() {
        fleet("idem");
        long first = put("/fleets/idem/upstreams/orders", "{\"host\": \"db1\", \"port\": 5433}")
                .then().statusCode(201).header("ETag", "\"" + revisionOf("idem", "upstreams", "orders") + "\"")
                .extract().jsonPath().getLong("revision");
        put("/fleets/idem/upstreams/orders", "{\"hosts\": [{\"host\": \"db1\", \"port\": 5433}], \"dbname\": \"orders\"}")
                .then().statusCode(200).body("revision", equalTo((int) first)).body("changes", org.hamcrest.Matchers.empty());
        given().get("/api/v1/fleets/idem/upstreams/orders").then().statusCode(200)
                .header("ETag", "\"" + first + "\"")
                .body("spec.hosts[0].host", equalTo("db1")).body("spec.dbname", equalTo("orders"));
        long second = put("/fleets/idem/upstreams/orders", "{\"host\": \"db2\"}").then().statusCode(200)
                .body("changes[0].action", equalTo("update"))
                .body("changes[0].before.hosts[0].host", equalTo("db1"))
                .body("changes[0].after.hosts[0].host", equalTo("db2"))
                .extract().jsonPath().getLong("revision");
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void ifMatchRefusesAWriteBasedOnAnOldRevision() {
        fleet("etag");
        long revision = put("/fleets/etag/upstreams/a", "{\"host\": \"h\"}").then().statusCode(201).extract().jsonPath().getLong("revision");
        given().contentType(ContentType.JSON).header("If-Match", "\"" + revision + "\"").body("{\"host\": \"h2\"}")
                .put("/api/v1/fleets/etag/upstreams/a").then().statusCode(200);
        given().contentType(ContentType.JSON).header("If-Match", "\"" + revision + "\"").body("{\"host\": \"h3\"}")
                .put("/api/v1/fleets/etag/upstreams/a").then().statusCode(412)
                .contentType("application/problem+json").body("detail", containsString("read it again"));
        given().get("/api/v1/fleets/etag/upstreams/a").then().body("spec.hosts[0].host", equalTo("h2"));
    }

    @Test
    void aDryRunShowsTheChangeAndStoresNothing() {
        fleet("dry");
        put("/fleets/dry/upstreams/x?dryRun=true", "{\"host\": \"h\"}").then().statusCode(200)
                .body("dryRun", equalTo(true)).body("revision", equalTo(0))
                .body("changes[0].action", equalTo("create")).body("changes[0].after.hosts[0].host", equalTo("h"));
        given().get("/api/v1/fleets/dry/upstreams/x").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void passwordsAndTokensAreWriteOnly() {
        put("/fleets/secret", "{\"bootstrapToken\": \"fleet-token-0123456789\"}").then().statusCode(201)
                .body(not(containsString("fleet-token-0123456789")));
        put("/fleets/secret/users/app", "{\"password\": \"hunter2-very-secret\"}").then().statusCode(201)
                .body(not(containsString("hunter2-very-secret"))).body("changes[0].after.password", equalTo("(set)"));
        String everything = given().get("/api/v1/fleets/secret/users/app").asString()
                + given().get("/api/v1/fleets/secret").asString()
                + given().get("/api/v1/revisions?fleet=secret").asString();
        assertThat(everything).doesNotContain("hunter2-very-secret").doesNotContain("fleet-token-0123456789")
                .doesNotContain("SCRAM-SHA-256$").contains("(set)");
        // The same password again is no change; pool settings alone keep the password.
        put("/fleets/secret/users/app", "{\"password\": \"hunter2-very-secret\"}").then().statusCode(200)
                .body("changes", org.hamcrest.Matchers.empty());
        put("/fleets/secret/users/app", "{\"pool\": {\"pool_mode\": \"transaction\"}}").then().statusCode(200)
                .body("changes[0].after.password", equalTo("(set)"))
                .body("changes[0].after.pool.pool_mode", equalTo("transaction"));
    }

    @Test
    void theAuditTrailSaysWhoChangedWhatAndRollbackRestoresAnEarlierRevision() {
        fleet("audit");
        long v1 = put("/fleets/audit/upstreams/db", "{\"host\": \"one\"}").then().statusCode(201).extract().jsonPath().getLong("revision");
        put("/fleets/audit/upstreams/db", "{\"host\": \"two\"}").then().statusCode(200);
        put("/fleets/audit/routes/alias", "{\"upstream\": \"db\"}").then().statusCode(201);

        List<Map<String, Object>> revisions = given().get("/api/v1/revisions?fleet=audit").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(revisions).hasSize(4); // the fleet, two upstream writes, the route
        assertThat(revisions.get(0).get("summary")).isEqualTo("create route alias");
        assertThat(revisions.get(0).get("actor")).isEqualTo("admin-token"); // the API token that made the change

        given().contentType(ContentType.JSON).body("{\"toRevision\": " + v1 + "}").post("/api/v1/fleets/audit/rollback?dryRun=true")
                .then().statusCode(200).body("changes.size()", equalTo(2));
        given().get("/api/v1/fleets/audit/routes/alias").then().statusCode(200);
        long rolledBack = given().contentType(ContentType.JSON).body("{\"toRevision\": " + v1 + "}").post("/api/v1/fleets/audit/rollback")
                .then().statusCode(200).extract().jsonPath().getLong("revision");
        assertThat(rolledBack).isGreaterThan(v1);
        given().get("/api/v1/fleets/audit/upstreams/db").then().body("spec.hosts[0].host", equalTo("one"));
        given().get("/api/v1/fleets/audit/routes/alias").then().statusCode(404);
        given().get("/api/v1/revisions?fleet=audit&limit=1").then().body("[0].summary", containsString("roll back fleet audit to revision " + v1));
    }

    @Test
    void theNodeValidatorAndReferencesGuardTheState() {
        fleet("valid");
        put("/fleets/valid/upstreams/db", "{\"host\": \"h\", \"port\": 70000}").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("out of range"));
        put("/fleets/valid/users/ops", "{\"password\": \"p\", \"console\": \"root\"}").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("console must be"));
        put("/fleets/valid/users/ops", "{\"password\": \"p\", \"console\": \"stats\"}").then().statusCode(201);
        given().get("/api/v1/fleets/valid/users/ops").then().body("spec.console", equalTo("stats"));
        put("/fleets/valid/upstreams/db", "{\"host\": \"h\", \"colour\": \"blue\"}").then().statusCode(400)
                .body("detail", containsString("unknown field \"colour\""));
        put("/fleets/valid/routes/r", "{\"upstream\": \"missing\"}").then().statusCode(400)
                .body("detail", containsString("upstream missing does not exist"));
        put("/fleets/valid/upstreams/db", "{\"host\": \"h\"}").then().statusCode(201);
        put("/fleets/valid/routes/r", "{\"upstream\": \"db\"}").then().statusCode(201);
        given().delete("/api/v1/fleets/valid/upstreams/db").then().statusCode(409)
                .body("detail", containsString("route r"));
        put("/fleets/nope/upstreams/db", "{\"host\": \"h\"}").then().statusCode(404)
                .body("detail", containsString("fleet \"nope\" does not exist"));
        given().delete("/api/v1/fleets/valid").then().statusCode(409);
    }

    private static long revisionOf(String fleet, String collection, String name) {
        return given().get("/api/v1/fleets/" + fleet + "/" + collection + "/" + name).jsonPath().getLong("revision");
    }

    @Test
    void upstreamsAndRoutesShareOneNamespaceOfDatabaseNames() {
        fleet("names");
        put("/fleets/names/upstreams/app", "{\"host\": \"h\"}").then().statusCode(201);
        put("/fleets/names/routes/app", "{\"upstream\": \"app\"}").then().statusCode(409)
                .body("detail", containsString("already has a upstream named app"));
        put("/fleets/names/routes/app_ro", "{\"upstream\": \"app\"}").then().statusCode(201);
        put("/fleets/names/upstreams/app_ro", "{\"host\": \"h\"}").then().statusCode(409);
    }

    @Test
    void anOperatorCannotChangeAFleetsOwnSettingsThroughARollback() {
        fleet("guarded");
        long before = put("/fleets/guarded/upstreams/db", "{\"host\": \"h\"}").then().statusCode(201)
                .extract().jsonPath().getLong("revision");
        put("/fleets/guarded", "{\"bootstrapToken\": \"replaced-token-0123456789\"}").then().statusCode(200);
        String operator = TestTokens.given().contentType(ContentType.JSON).body("{\"name\": \"rollback-operator\", \"role\": \"operator\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().jsonPath().getString("token");
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + operator).contentType(ContentType.JSON)
                .body("{\"toRevision\": " + before + "}").post("/api/v1/fleets/guarded/rollback")
                .then().statusCode(403).contentType("application/problem+json").body("detail", containsString("admin"));
        given().get("/api/v1/fleets/guarded").then().body("spec.bootstrapToken", equalTo("(set)"));
        given().contentType(ContentType.JSON).body("{\"toRevision\": " + before + "}").post("/api/v1/fleets/guarded/rollback")
                .then().statusCode(200);
        given().get("/api/v1/fleets/guarded").then().body("spec.bootstrapToken", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void largeDurationsCompareByValueSoTheSamePutStaysANoOp() {
        fleet("numbers");
        String spec = "{\"host\": \"h\", \"pool\": {\"server_lifetime\": 10000000, \"query_timeout\": 2.5}}";
        long first = put("/fleets/numbers/upstreams/db", spec).then().statusCode(201).extract().jsonPath().getLong("revision");
        put("/fleets/numbers/upstreams/db", spec).then().statusCode(200)
                .body("revision", equalTo((int) first)).body("changes", org.hamcrest.Matchers.empty());
    }
}
