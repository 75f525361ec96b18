package io.pgfleet.dataplane.node;

import io.pgfleet.testkit.Eventually;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** The node process run as `pgfleet node --config pgbouncer.ini` would run it. */
@QuarkusTest
@QuarkusTestResource(StandaloneNodeTest.PgBouncerFiles.class)
class StandaloneNodeTest {

    /** A real PostgreSQL and a pgbouncer.ini + userlist.txt pointing at it. */
    public static class PgBouncerFiles implements QuarkusTestResourceLifecycleManager {
        static PostgresServer postgres;
        static int listenPort;
        static Path ini;

        @Override
        public Map<String, String> start() {
            postgres = Postgres.start();
            postgres.createUserAndDatabase("app", "app-secret", "appdb");
            try (ServerSocket socket = new ServerSocket(0)) {
                listenPort = socket.getLocalPort();
                Path dir = Files.createTempDirectory("pgfleet-node-test");
                ini = dir.resolve("pgbouncer.ini");
                Files.writeString(ini, ini(""));
                Files.writeString(dir.resolve("userlist.txt"), "\"app\" \"app-secret\"\n");
                return Map.of("pgfleet.node.config-file", dir.resolve("pgbouncer.ini").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The ini, with {@code extraDatabases} lines added to [databases]. */
        static String ini(String extraDatabases) {
            return """
                    [databases]
                    appdb = host=%s port=%d
                    %s
                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    pool_mode = transaction
                    auth_type = scram-sha-256
                    auth_file = userlist.txt
                    admin_users = app
                    """.formatted(postgres.host(), postgres.port(), extraDatabases, listenPort);
        }

        @Override
        public void stop() {
            postgres.close();
        }
    }

    /** The admin console's RELOAD runs the node's reloader, as SIGHUP does. */
    @Test
    void consoleReloadRereadsTheIni() throws Exception {
        Files.writeString(PgBouncerFiles.ini, PgBouncerFiles.ini("reloaded = host=%s port=%d dbname=appdb"
                .formatted(PgBouncerFiles.postgres.host(), PgBouncerFiles.postgres.port())));
        java.util.Properties console = new java.util.Properties();
        console.setProperty("user", "app");
        console.setProperty("password", "app-secret");
        console.setProperty("assumeMinServerVersion", "9.4");
        console.setProperty("preferQueryMode", "simple");
        try (Connection admin = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + PgBouncerFiles.listenPort + "/pgbouncer?sslmode=disable", console);
             java.sql.Statement st = admin.createStatement()) {
            st.execute("RELOAD");
            assertThat((Object) st.getWarnings()).as("no 'nothing to reload' notice").isNull();
        }
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + PgBouncerFiles.listenPort + "/reloaded?sslmode=disable", "app", "app-secret");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("appdb");
        }
    }

    @Test
    void servesTheIniDatabasesAndReportsReadyAndMetrics() throws Exception {
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + PgBouncerFiles.listenPort + "/appdb?sslmode=disable&prepareThreshold=1", "app", "app-secret")) {
            try (ResultSet rs = c.prepareStatement("SELECT current_user, inet_server_port()").executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("app");
                assertThat(rs.getInt(2)).isEqualTo(PgBouncerFiles.postgres.port());
            }
            c.createStatement().execute("LISTEN metrics_test"); // transaction mode: pins the client to its server
            given().get("/q/metrics").then().statusCode(200)
                    .body(containsString("pgfleet_pinned_clients 1.0"))
                    .body(containsString("pgfleet_pins_total 1.0"))
                    .body(containsString("pgfleet_prepared_statement_prepares_total"));
        }
        given().get("/q/health/ready").then().statusCode(200).body(containsString("config"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("pgfleet_clients_accepted_total"));
        // The node learns of the disconnect on its own loop, a moment after close() returns.
        Eventually.await(java.time.Duration.ofSeconds(10), "the pin ends with the client",
                () -> given().get("/q/metrics").body().asString().contains("pgfleet_pinned_clients 0.0"));
    }
}
