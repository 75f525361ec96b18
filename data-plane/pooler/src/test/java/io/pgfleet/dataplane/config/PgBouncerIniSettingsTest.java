package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.PoolerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** [pgbouncer]: every setting the node acts on lands in its field, with PgBouncer's defaults otherwise. */
class PgBouncerIniSettingsTest {
    @TempDir
    Path dir;

    private PgBouncerConfigLoader.Loaded load(String pgbouncerSection) throws IOException {
        return PgBouncerConfigLoader.parse("[pgbouncer]\nauth_type = trust\n" + pgbouncerSection, dir);
    }

    @Test
    void nothingSetMeansPgBouncersDefaults() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("");
        assertThat(loaded.config().pooler()).isEqualTo(PoolerConfig.DEFAULTS);
        assertThat(loaded.warnings()).isEmpty();
        PoolerSettings settings = loaded.settings();
        assertThat(settings.listenAddress()).isEqualTo("127.0.0.1");
        assertThat(settings.listenPort()).isEqualTo(6432);
        assertThat(settings.maxMessageSize()).isEqualTo(PoolerSettings.DEFAULT_MAX_MESSAGE_SIZE);
        assertThat(settings.soReuseport()).isFalse();
        assertThat(settings.serverConnectTimeoutMillis()).isEqualTo(15_000);
    }

    @Test
    void everyPoolerSettingLandsInItsField() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                pool_mode = transaction
                default_pool_size = 31
                min_pool_size = 4
                reserve_pool_size = 6
                reserve_pool_timeout = 2.5
                max_db_connections = 41
                max_user_connections = 42
                max_client_conn = 5001
                max_db_client_connections = 43
                max_user_client_connections = 44
                server_connect_timeout = 3
                server_login_retry = 100ms
                server_idle_timeout = 10min
                server_lifetime = 1h
                server_check_delay = 0
                server_check_query = SELECT 2
                query_timeout = 61
                query_wait_timeout = 62s
                client_idle_timeout = 63
                client_login_timeout = 64
                idle_transaction_timeout = 65
                transaction_timeout = 66
                cancel_wait_timeout = 0.25
                server_reset_query = DEALLOCATE ALL; RESET ALL;
                server_reset_query_always = yes
                server_round_robin = on
                pgfleet_allow_plain_without_tls = true
                max_prepared_statements = 50
                pgfleet_session_state = refuse
                """);
        assertThat(loaded.warnings()).isEmpty();
        PoolerConfig p = loaded.config().pooler();
        assertThat(p.poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(p.defaultPoolSize()).isEqualTo(31);
        assertThat(p.minPoolSize()).isEqualTo(4);
        assertThat(p.reservePoolSize()).isEqualTo(6);
        assertThat(p.reservePoolTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(p.maxDbConnections()).isEqualTo(41);
        assertThat(p.maxUserConnections()).isEqualTo(42);
        assertThat(p.maxClientConn()).isEqualTo(5001);
        assertThat(p.maxDbClientConnections()).isEqualTo(43);
        assertThat(p.maxUserClientConnections()).isEqualTo(44);
        assertThat(p.serverConnectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.serverLoginRetry()).isEqualTo(Duration.ofMillis(100));
        assertThat(p.serverIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.serverLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(p.serverCheckDelay()).isEqualTo(Duration.ZERO);
        assertThat(p.serverCheckQuery()).isEqualTo("SELECT 2");
        assertThat(p.queryTimeout()).isEqualTo(Duration.ofSeconds(61));
        assertThat(p.queryWaitTimeout()).isEqualTo(Duration.ofSeconds(62));
        assertThat(p.clientIdleTimeout()).isEqualTo(Duration.ofSeconds(63));
        assertThat(p.clientLoginTimeout()).isEqualTo(Duration.ofSeconds(64));
        assertThat(p.idleTransactionTimeout()).isEqualTo(Duration.ofSeconds(65));
        assertThat(p.transactionTimeout()).isEqualTo(Duration.ofSeconds(66));
        assertThat(p.cancelWaitTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(p.serverResetQuery()).isEqualTo("DEALLOCATE ALL; RESET ALL;");
        assertThat(p.serverResetQueryAlways()).isTrue();
        assertThat(p.serverRoundRobin()).isTrue();
        assertThat(p.allowPlainWithoutTls()).isTrue();
        assertThat(p.maxPreparedStatements()).isEqualTo(50);
        assertThat(p.sessionState()).isEqualTo(SessionStatePolicy.REFUSE);
        assertThat(loaded.settings().serverConnectTimeoutMillis()).isEqualTo(3000);
    }

    @Test
    void tlsSettingsOfBothSides() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                client_tls_sslmode = require
                client_tls_cert_file = /etc/pgfleet/node.crt
                client_tls_key_file = /etc/pgfleet/node.key
                client_tls_ca_file = /etc/pgfleet/clients-ca.crt
                client_tls_protocols = tlsv1.3
                client_tls_ciphers = HIGH:!aNULL
                server_tls_sslmode = verify-full
                server_tls_ca_file = /etc/pgfleet/pg-ca.crt
                server_tls_cert_file = /etc/pgfleet/to-pg.crt
                server_tls_key_file = /etc/pgfleet/to-pg.key
                server_tls_protocols = all
                server_tls_ciphers = secure
                """);
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().pooler().clientTls()).isEqualTo(new TlsSettings(TlsMode.REQUIRE, "/etc/pgfleet/node.crt",
                "/etc/pgfleet/node.key", "/etc/pgfleet/clients-ca.crt", "tlsv1.3", "HIGH:!aNULL"));
        assertThat(loaded.config().pooler().serverTls()).isEqualTo(new TlsSettings(TlsMode.VERIFY_FULL, "/etc/pgfleet/to-pg.crt",
                "/etc/pgfleet/to-pg.key", "/etc/pgfleet/pg-ca.crt", "all", "secure"));
    }

    @Test
    void clientTlsWithoutACertificateFailsAsInPgBouncer() {
        assertThatThrownBy(() -> load("client_tls_sslmode = require\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[pgbouncer] client_tls_sslmode")
                .hasMessageContaining("client_tls_cert_file");
        assertThatThrownBy(() -> load("server_tls_cert_file = a.crt\n"))
                .hasMessageContaining("server_tls_cert_file and server_tls_key_file: set both or neither");
    }

    @Test
    void processLevelSettings() throws IOException {
        PoolerSettings settings = load("""
                listen_addr = *
                listen_port = 7432
                max_packet_size = 1048576
                so_reuseport = 1
                """).settings();
        assertThat(settings.listenAddress()).isEqualTo("*");
        assertThat(settings.listenPort()).isEqualTo(7432);
        assertThat(settings.maxMessageSize()).isEqualTo(1_048_576);
        assertThat(settings.soReuseport()).isTrue();
    }

    @Test
    void aListOfListenAddressesListensOnTheFirstAndSaysSo() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("listen_addr = 10.0.0.5, 127.0.0.1\n");
        assertThat(loaded.settings().listenAddress()).isEqualTo("10.0.0.5");
        assertThat(loaded.warnings()).singleElement().asString().contains("listen_addr").contains("10.0.0.5 only");
    }

    @Test
    void everyBooleanSpelling() throws IOException {
        for (String yes : new String[] {"1", "on", "yes", "true", "TRUE", "On"}) {
            assertThat(load("server_round_robin = " + yes + "\n").config().pooler().serverRoundRobin()).as(yes).isTrue();
        }
        for (String no : new String[] {"0", "off", "no", "false", "FALSE"}) {
            assertThat(load("server_round_robin = " + no + "\n").config().pooler().serverRoundRobin()).as(no).isFalse();
        }
    }

    @Test
    void keysAreCaseInsensitive() throws IOException {
        assertThat(load("Default_Pool_Size = 7\n").config().pooler().defaultPoolSize()).isEqualTo(7);
    }

    @Test
    void authTypes() throws IOException {
        for (AuthType type : AuthType.values()) {
            NodeConfig config = PgBouncerConfigLoader.parse("[pgbouncer]\nauth_type = " + type.iniName() + "\n", dir).config();
            assertThat(config.authType()).isEqualTo(type);
        }
        NodeConfig defaulted = PgBouncerConfigLoader.parse("[pgbouncer]\n", dir).config();
        assertThat(defaulted.authType()).as("PgBouncer's default").isEqualTo(AuthType.MD5);
        assertThatThrownBy(() -> load("auth_type = pam\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[pgbouncer] auth_type = 'pam'");
    }

    @Test
    void badValuesFailNamingSectionKeyAndValue() {
        assertThatThrownBy(() -> load("default_pool_size = lots\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("[pgbouncer] default_pool_size = 'lots': not a whole number");
        assertThatThrownBy(() -> load("pool_mode = sessions\n"))
                .hasMessageContaining("[pgbouncer] pool_mode = 'sessions'");
        assertThatThrownBy(() -> load("query_timeout = 5 minutes\n"))
                .hasMessageContaining("[pgbouncer] query_timeout = '5 minutes'");
        assertThatThrownBy(() -> load("so_reuseport = maybe\n"))
                .hasMessageContaining("[pgbouncer] so_reuseport = 'maybe'");
        assertThatThrownBy(() -> load("listen_port = 70000\n"))
                .hasMessageContaining("[pgbouncer] listen_port = '70000'");
        assertThatThrownBy(() -> load("max_client_conn = -1\n"))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> load("max_packet_size = 0\n"))
                .hasMessageContaining("[pgbouncer] max_packet_size");
        assertThatThrownBy(() -> load("server_tls_sslmode = sometimes\n"))
                .hasMessageContaining("[pgbouncer] server_tls_sslmode = 'sometimes'");
    }

    @Test
    void settingsTheNodeDoesNotActOnAreReportedWithAReason() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                logfile = /var/log/pgbouncer/pgbouncer.log
                pidfile = /var/run/pgbouncer/pgbouncer.pid
                log_connections = 1
                stats_period = 60
                tcp_keepalive = 1
                ignore_startup_parameters = extra_float_digits
                unix_socket_dir = /tmp
                client_tls13_ciphers = TLS_AES_256_GCM_SHA384
                """);
        assertThat(loaded.warnings()).hasSize(8);
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] logfile: not needed"));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] pidfile: not needed"));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] ignore_startup_parameters: not needed"));
        for (String key : new String[] {"log_connections", "stats_period", "tcp_keepalive", "unix_socket_dir",
                "client_tls13_ciphers"}) {
            assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] " + key + ": not supported yet"));
        }
    }

    @Test
    void adminAndStatsUsersAreCommaSeparatedLists() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                admin_users = postgres, ops ,
                stats_users = monitor
                """);
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().pooler().adminUsers()).containsExactly("postgres", "ops");
        assertThat(loaded.config().pooler().statsUsers()).containsExactly("monitor");
        assertThat(load("").config().pooler().adminUsers()).isEmpty();
    }

    @Test
    void unknownKeysAndSectionsAreReportedAsUnknown() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = trust
                default_pool_szie = 30
                [peers]
                1 = host=/tmp/pgbouncer1
                [extras]
                a = b
                """, dir);
        assertThat(loaded.warnings()).containsExactlyInAnyOrder(
                "[pgbouncer] default_pool_szie: unknown setting (ignored)",
                "[peers]: not supported yet: fleet nodes route cancel requests by node slot (ignored)",
                "[extras]: unknown section (ignored)");
        assertThat(loaded.config().pooler().defaultPoolSize()).isEqualTo(20);
    }

    @Test
    void aCommentAfterAOneWordValueIsDroppedWithAWarning() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = load("""
                pool_mode = transaction              # Optimal for microservices
                max_client_conn = 500 ; total
                server_reset_query = DISCARD ALL # kept: a query may contain anything
                """);
        assertThat(loaded.config().pooler().poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(loaded.config().pooler().maxClientConn()).isEqualTo(500);
        assertThat(loaded.config().pooler().serverResetQuery()).isEqualTo("DISCARD ALL # kept: a query may contain anything");
        assertThat(loaded.warnings()).hasSize(2).allSatisfy(w -> assertThat(w).contains("taken as a comment"));
    }

    @Test
    void authHbaFileIsReadWithAuthTypeHba() throws IOException {
        java.nio.file.Files.writeString(dir.resolve("hba.conf"), "host all all 0.0.0.0/0 scram-sha-256\n");
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = hba
                auth_hba_file = hba.conf
                """, dir);
        assertThat(loaded.config().authType()).isEqualTo(AuthType.MD5);
        assertThat(loaded.config().hba().rules()).singleElement()
                .satisfies(rule -> assertThat(rule.method()).isEqualTo("scram-sha-256"));
        assertThat(loaded.warnings()).noneSatisfy(w -> assertThat(w).contains("auth_hba_file"));

        PgBouncerConfigLoader.Loaded notHba = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = trust
                auth_hba_file = hba.conf
                """, dir);
        assertThat(notHba.warnings()).containsExactly("[pgbouncer] auth_hba_file: used only with auth_type = hba (ignored)");
    }
}
