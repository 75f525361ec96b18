package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.Pooler;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reload (what SIGHUP does: re-read pgbouncer.ini, replace the config) drops no client:
 * a client inside a transaction finishes it, and the new pool settings apply.
 */
class ReloadKeepsClientsTest {

    @Test
    void aReloadMidTransactionDropsNothingAndTheNewSettingsApply(@TempDir Path dir) throws Exception {
        PostgresServer postgres = Postgres.shared();
        postgres.createUserAndDatabase("reloader", "reload-secret", "reload_db");
        Files.writeString(dir.resolve("userlist.txt"), "\"reloader\" \"reload-secret\"\n");
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, iniWith(postgres, "transaction", 1));
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.load(ini);
        ConfigHolder holder = new ConfigHolder(loaded.config());
        try (Pooler pooler = Pooler.start(loaded.settings().withEventLoopThreads(2), holder)) {
            String url = "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/reload_db?sslmode=disable&prepareThreshold=1";
            try (Connection c = DriverManager.getConnection(url, "reloader", "reload-secret")) {
                c.setAutoCommit(false);
                c.createStatement().execute("CREATE TABLE reloaded (x int)");

                Files.writeString(ini, iniWith(postgres, "transaction", 3));
                holder.replace(PgBouncerConfigLoader.load(ini).config());

                c.createStatement().execute("INSERT INTO reloaded VALUES (1)");
                c.commit();
                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM reloaded")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
                c.commit();
            }
            assertThat(holder.current().pooler().defaultPoolSize()).isEqualTo(3);
            // Three clients in transactions at once now get three servers.
            Connection[] clients = new Connection[3];
            for (int i = 0; i < 3; i++) {
                clients[i] = DriverManager.getConnection(url, "reloader", "reload-secret");
                clients[i].setAutoCommit(false);
                clients[i].createStatement().execute("SELECT 1");
            }
            assertThat(pooler.pools().serversOfDatabase("reload_db")).isEqualTo(3);
            for (Connection client : clients) {
                client.close();
            }
        }
    }

    private static String iniWith(PostgresServer postgres, String mode, int poolSize) {
        return """
                [databases]
                reload_db = host=%s port=%d
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                auth_type = scram-sha-256
                auth_file = userlist.txt
                pool_mode = %s
                default_pool_size = %d
                """.formatted(postgres.host(), postgres.port(), mode, poolSize);
    }
}
