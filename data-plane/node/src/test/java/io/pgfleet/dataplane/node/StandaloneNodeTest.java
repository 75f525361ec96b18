package io.pgfleet.dataplane.node;

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

        @Override
        public Map<String, String> start() {
            postgres = Postgres.start();
            postgres.createUserAndDatabase("app", "app-secret", "appdb");
            try (ServerSocket socket = new ServerSocket(0)) {
                listenPort = socket.getLocalPort();
                Path dir = Files.createTempDirectory("pgfleet-node-test");
                Files.writeString(dir.resolve("pgbouncer.ini"), """
                        [databases]
                        appdb = host=%s port=%d
                        [pgbouncer]
                        listen_addr = 127.0.0.1
                        listen_port = %d
                        auth_type = scram-sha-256
                        auth_file = userlist.txt
                        """.formatted(postgres.host(), postgres.port(), listenPort));
                Files.writeString(dir.resolve("userlist.txt"), "\"app\" \"app-secret\"\n");
                return Map.of("pgfleet.node.config-file", dir.resolve("pgbouncer.ini").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            postgres.close();
        }
    }

    @Test
    void servesTheIniDatabasesAndReportsReadyAndMetrics() throws Exception {
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + PgBouncerFiles.listenPort + "/appdb?sslmode=disable", "app", "app-secret");
             ResultSet rs = c.createStatement().executeQuery("SELECT current_user, inet_server_port()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("app");
            assertThat(rs.getInt(2)).isEqualTo(PgBouncerFiles.postgres.port());
        }
        given().get("/q/health/ready").then().statusCode(200).body(containsString("config"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("pgfleet_clients_accepted_total"));
    }
}
