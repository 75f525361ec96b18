package io.pgfleet.dataplane.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** [users] and the auth_file: who may log in, and the pool settings a user sets for itself. */
class PgBouncerIniUsersTest {
    @TempDir
    Path dir;

    @Test
    void everyUserSettingLandsInItsField() throws IOException {
        NodeConfig config = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = trust
                [users]
                reporting = pool_mode=session pool_size=3 max_user_connections=5 max_user_client_connections=50 reserve_pool_size=1 query_timeout=30 idle_transaction_timeout=10s transaction_timeout=1min client_idle_timeout=0.5 pgfleet_session_state=refuse
                """, dir).config();
        assertThat(config.user("reporting").pool()).isEqualTo(new PoolOverrides(PoolMode.SESSION, 3, null, 1, 5, 50, null,
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMillis(500), SessionStatePolicy.REFUSE));
    }

    @Test
    void usersFromTheAuthFileKeepTheirSecretsAndGainTheirSettings() throws IOException {
        Files.writeString(dir.resolve("userlist.txt"), """
                "app" "md5d7d880f96044b72d0bba108ace96d1e4"
                "batch" "batch-password"
                """);
        NodeConfig config = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = md5
                auth_file = userlist.txt
                [users]
                batch = pool_mode=session
                ghost = pool_size=2
                """, dir).config();
        assertThat(config.users()).containsOnlyKeys("app", "batch", "ghost");
        assertThat(config.user("app").md5Hash()).isEqualTo("md5d7d880f96044b72d0bba108ace96d1e4");
        assertThat(config.user("app").pool()).isEqualTo(PoolOverrides.NONE);
        assertThat(config.user("batch").password()).isEqualTo("batch-password");
        assertThat(config.user("batch").pool().poolMode()).isEqualTo(PoolMode.SESSION);
        UserEntry ghost = config.user("ghost");
        assertThat(ghost.pool().poolSize()).isEqualTo(2);
        assertThat(ghost.password()).isNull();
        assertThat(ghost.md5Hash()).isNull();
        assertThat(ghost.scramVerifier()).isNull();
    }

    @Test
    void scramAuthDerivesVerifiersFromPlaintextPasswords() throws IOException {
        Files.writeString(dir.resolve("userlist.txt"), "\"app\" \"app-secret\"\n");
        NodeConfig config = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = scram-sha-256
                auth_file = userlist.txt
                """, dir).config();
        assertThat(config.user("app").scramVerifier()).isNotNull();
        assertThat(config.user("app").password()).isEqualTo("app-secret");
    }

    @Test
    void aMissingAuthFileIsAWarningNotAFailure() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_file = /nonexistent/userlist.txt
                """, dir);
        assertThat(loaded.config().users()).isEmpty();
        assertThat(loaded.warnings()).singleElement().asString()
                .startsWith("[pgbouncer] auth_file: /nonexistent/userlist.txt does not exist");
    }

    @Test
    void noAuthFileWithAPasswordMethodIsAWarning() throws IOException {
        assertThat(PgBouncerConfigLoader.parse("[pgbouncer]\nauth_type = md5\n", dir).warnings())
                .containsExactly("[pgbouncer] auth_file: not set, so no client can log in with auth_type md5");
    }

    @Test
    void keysTheNodeDoesNotActOnAreReported() throws IOException {
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.parse("""
                [pgbouncer]
                auth_type = trust
                [users]
                app = query_wait_timeout=5 max_db_connections=3
                """, dir);
        assertThat(loaded.warnings()).containsExactlyInAnyOrder(
                "[users] app query_wait_timeout: not supported yet per user; the [pgbouncer] value applies (ignored)",
                "[users] app max_db_connections: unknown parameter (ignored)");
    }

    @Test
    void badValuesFailNamingUserKeyAndValue() {
        assertThatThrownBy(() -> PgBouncerConfigLoader.parse("[users]\napp = pool_size=many\n", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("[users] app pool_size = 'many': not a whole number");
        assertThatThrownBy(() -> PgBouncerConfigLoader.parse("[users]\napp = pool_mode=sometimes\n", dir))
                .hasMessageContaining("[users] app pool_mode = 'sometimes'");
    }

    @Test
    void aBrokenAuthFileNamesTheLineNotTheSecret() throws IOException {
        Files.writeString(dir.resolve("userlist.txt"), "\"app\" \"hunter2\n");
        assertThatThrownBy(() -> PgBouncerConfigLoader.parse("[pgbouncer]\nauth_file = userlist.txt\n", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1")
                .hasMessageNotContaining("hunter2");
    }
}
