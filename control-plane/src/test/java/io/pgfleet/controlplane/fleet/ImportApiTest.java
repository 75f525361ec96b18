package io.pgfleet.controlplane.fleet;

import io.pgfleet.controlplane.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.pgfleet.controlplane.TestTokens.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * POST a pgbouncer.ini and its userlist.txt: every seed's config becomes desired state
 * that passes the node's validator, and an import is one revision.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ImportApiTest {

    @Test
    void everySeedConfigImportsIntoItsOwnFleet() throws Exception {
        int fleet = 0;
        for (PgBouncerImportTest.Seed seed : PgBouncerImportTest.seeds()) {
            String userlist = seed.userlists().isEmpty() ? "" : String.join("\n", seed.userlists());
            for (String ini : seed.inis()) {
                String name = "seed" + (++fleet);
                given().contentType(ContentType.JSON).body("{}").put("/api/v1/fleets/" + name).then().statusCode(201);
                Map<String, Object> body = Map.of("pgbouncerIni", ini, "userlist", userlist);
                given().contentType(ContentType.JSON).body(body).post("/api/v1/fleets/" + name + "/import?dryRun=true")
                        .then().statusCode(200).body("dryRun", equalTo(true));
                given().get("/api/v1/fleets/" + name + "/upstreams").then().statusCode(200).body("size()", equalTo(0));
                io.restassured.path.json.JsonPath result = given().contentType(ContentType.JSON).body(body)
                        .post("/api/v1/fleets/" + name + "/import")
                        .then().statusCode(200).body(not(containsString("SCRAM-SHA-256$"))).extract().jsonPath();
                long revision = result.getLong("revision");
                assertThat(result.getList("changes")).as(seed.file()).isNotEmpty();
                assertThat(revision).as(seed.file()).isPositive();
                given().get("/api/v1/revisions?fleet=" + name + "&limit=1").then()
                        .body("[0].revision", equalTo((int) revision))
                        .body("[0].summary", containsString("import pgbouncer.ini"));
                int upstreams = given().get("/api/v1/fleets/" + name + "/upstreams").jsonPath().getList("name").size();
                assertThat(upstreams).as(seed.file()).isEqualTo(ImportedDatabases.count(ini));
            }
        }
        assertThat(fleet).as("seed configs imported").isEqualTo(4);
    }

    @Test
    void theImportedPoolSettingsAndUsersAreServedAsPgBouncerHadThem() {
        given().contentType(ContentType.JSON).body("{}").put("/api/v1/fleets/imported").then().statusCode(201);
        String ini = """
                [databases]
                orders = host=10.0.0.5 port=6000 dbname=orders_prod pool_size=7 pool_mode=session
                [pgbouncer]
                listen_port = 6432
                pool_mode = transaction
                default_pool_size = 15
                auth_file = /etc/pgbouncer/userlist.txt
                """;
        given().contentType(ContentType.JSON).body(Map.of("pgbouncerIni", ini, "userlist", "\"app\" \"app-secret-pw\"\n"))
                .post("/api/v1/fleets/imported/import").then().statusCode(200)
                .body("warnings.toString()", containsString("listen_port"))
                .body(not(containsString("app-secret-pw")));
        given().get("/api/v1/fleets/imported").then().body("spec.pool.pool_mode", equalTo("transaction"))
                .body("spec.pool.default_pool_size", equalTo(15));
        given().get("/api/v1/fleets/imported/upstreams/orders").then().statusCode(200)
                .body("spec.hosts[0].host", equalTo("10.0.0.5")).body("spec.hosts[0].port", equalTo(6000))
                .body("spec.dbname", equalTo("orders_prod")).body("spec.pool.default_pool_size", equalTo(7))
                .body("spec.pool.pool_mode", equalTo("session"));
        given().get("/api/v1/fleets/imported/users/app").then().statusCode(200).body("spec.password", equalTo("(set)"));
    }

    @Test
    void aBrokenIniIsAClearProblem() {
        given().contentType(ContentType.JSON).body(Map.of("pgbouncerIni", "[databases]\norders = hostname-without-equals\n"))
                .post("/api/v1/fleets/default/import").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("pgbouncer.ini"));
    }

    @Test
    void anImportKeepsFleetSettingsItDoesNotMention() {
        given().contentType(ContentType.JSON).body("{\"pool\": {\"max_client_conn\": 5000}}").put("/api/v1/fleets/merged").then().statusCode(201);
        given().contentType(ContentType.JSON).body(Map.of("pgbouncerIni", "[databases]\n[pgbouncer]\npool_mode = transaction\n"))
                .post("/api/v1/fleets/merged/import").then().statusCode(200);
        given().get("/api/v1/fleets/merged").then().body("spec.pool.max_client_conn", equalTo(5000))
                .body("spec.pool.pool_mode", equalTo("transaction"));
    }
}
