package io.pgfleet.dataplane.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** [databases]: connection strings with their pool settings and startup parameters. */
class PgBouncerIniDatabasesTest {
    @TempDir
    Path dir;

    private PgBouncerConfigLoader.Loaded load(String databasesSection) throws IOException {
        return PgBouncerConfigLoader.parse("[pgbouncer]\nauth_type = trust\n[databases]\n" + databasesSection, dir);
    }

    @Test
    void hostsPortDbnameAndAFixedLogin() throws IOException {
        NodeConfig config = load("""
                appdb = host=db1.internal,db2.internal port=5433 dbname=app_prod user=app password='s3cret pass'
                """).config();
        DatabaseTarget app = config.databases().get("appdb");
        assertThat(app.hosts()).containsExactly(new HostAndPort("db1.internal", 5433), new HostAndPort("db2.internal", 5433));
        assertThat(app.dbname()).isEqualTo("app_prod");
        assertThat(app.serverUser()).isEqualTo("app");
        assertThat(app.serverPassword()).isEqualTo("s3cret pass");
        assertThat(app.pool()).isEqualTo(PoolOverrides.NONE);
        assertThat(app.serverParameters()).isEmpty();
        assertThat(app.toString()).doesNotContain("s3cret");
    }

    @Test
    void defaults() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("appdb = host=10.0.0.1\n");
        DatabaseTarget app = loaded.config().databases().get("appdb");
        assertThat(app.hosts()).containsExactly(new HostAndPort("10.0.0.1", 5432));
        assertThat(app.dbname()).isEqualTo("appdb");
        assertThat(app.serverUser()).isNull();
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void poolSettingsOfADatabase() throws IOException {
        PoolOverrides pool = load("""
                appdb = host=h pool_size=50 min_pool_size=5 reserve_pool=3 pool_mode=statement max_db_connections=60 max_db_client_connections=600 server_lifetime=30min pgfleet_session_state=pin
                """).config().databases().get("appdb").pool();
        assertThat(pool).isEqualTo(new PoolOverrides(PoolMode.STATEMENT, 50, 5, 3, 60, 600, Duration.ofMinutes(30),
                null, null, null, null, SessionStatePolicy.PIN));
        assertThat(load("appdb = host=h reserve_pool_size=4\n").config().databases().get("appdb").pool().reservePoolSize())
                .isEqualTo(4);
    }

    @Test
    void startupParametersGetPostgresqlsNames() throws IOException {
        DatabaseTarget app = load("""
                appdb = host=h client_encoding=UTF8 datestyle='ISO, MDY' timezone=Europe/Paris application_name=billing
                """).config().databases().get("appdb");
        assertThat(app.serverParameters()).isEqualTo(Map.of(
                "client_encoding", "UTF8", "DateStyle", "ISO, MDY", "TimeZone", "Europe/Paris", "application_name", "billing"));
    }

    @Test
    void fallbackDatabase() throws IOException {
        NodeConfig config = load("* = host=fallback.internal port=6000\n").config();
        DatabaseTarget any = config.database("whatever");
        assertThat(any.hosts()).containsExactly(new HostAndPort("fallback.internal", 6000));
        assertThat(any.dbname()).isEqualTo("whatever");
    }

    @Test
    void quotedDatabaseNames() throws IOException {
        NodeConfig config = load("\"my-db\" = host=h\n").config();
        assertThat(config.databases()).containsOnlyKeys("my-db");
    }

    @Test
    void keysTheNodeDoesNotActOnAreReported() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                appdb = host=h connect_query='SET search_path TO app' auth_user=lookup auth_query='SELECT 1' load_balance_hosts=disable sslmode=require
                """);
        assertThat(loaded.warnings()).containsExactlyInAnyOrder(
                "[databases] appdb connect_query: not supported yet (ignored)",
                "[databases] appdb auth_user: not supported yet: users come from auth_file only (ignored)",
                "[databases] appdb auth_query: not supported yet: users come from auth_file only (ignored)",
                "[databases] appdb load_balance_hosts: not supported yet: hosts of a list are tried in order (ignored)",
                "[databases] appdb sslmode: unknown parameter (ignored)");
        assertThat(loaded.config().databases()).containsKey("appdb");
    }

    @Test
    void unixSocketsAreReportedAndSkipped() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                local = host=/var/run/postgresql
                mixed = host=/tmp,db.internal
                nohost =
                """);
        assertThat(loaded.config().databases()).containsOnlyKeys("mixed", "nohost");
        assertThat(loaded.config().databases().get("mixed").hosts()).containsExactly(new HostAndPort("db.internal", 5432));
        assertThat(loaded.config().databases().get("nohost").hosts()).containsExactly(new HostAndPort("localhost", 5432));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).startsWith("[databases] local host: /var/run/postgresql is a Unix socket"))
                .anySatisfy(w -> assertThat(w).startsWith("[databases] local host: no TCP host left"))
                .anySatisfy(w -> assertThat(w).startsWith("[databases] nohost host: not set"));
    }

    @Test
    void theAdminConsoleNameIsReserved() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("pgbouncer = host=h\n");
        assertThat(loaded.config().databases()).isEmpty();
        assertThat(loaded.warnings()).singleElement().asString().contains("reserved");
    }

    @Test
    void badValuesFailNamingDatabaseKeyAndValue() {
        assertThatThrownBy(() -> load("appdb = host=h pool_size=big\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("[databases] appdb pool_size = 'big': not a whole number");
        assertThatThrownBy(() -> load("appdb = host=h pool_mode=txn\n")).hasMessageContaining("[databases] appdb pool_mode = 'txn'");
        assertThatThrownBy(() -> load("appdb = host=h port=99999\n")).hasMessageContaining("[databases] appdb port = '99999'");
        assertThatThrownBy(() -> load("appdb = host=h server_lifetime=forever\n"))
                .hasMessageContaining("[databases] appdb server_lifetime = 'forever'");
    }

    @Test
    void aBrokenConnectionStringNeverEchoesThePassword() {
        assertThatThrownBy(() -> load("appdb = host=h user=app password='hunter2\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[databases] appdb")
                .hasMessageNotContaining("hunter2");
        for (String broken : List.of("appdb = host=h password=hunter2 pool_size=x", "appdb = host=h password=hunter2 port=x")) {
            assertThatThrownBy(() -> load(broken + "\n")).hasMessageNotContaining("hunter2");
        }
    }
}
