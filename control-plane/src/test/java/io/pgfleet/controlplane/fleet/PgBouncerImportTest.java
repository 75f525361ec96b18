package io.pgfleet.controlplane.fleet;

import io.pgfleet.controlplane.fleet.spec.HostSpec;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.fleet.spec.UserSpec;
import io.pgfleet.dataplane.auth.ScramVerifier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * {@link PgBouncerImport} on our users' published setups (../shared/seeds, the markdown
 * write-ups the pooler's SeedConfigsLoadTest also reads) and on the cases the seeds do not
 * cover. Plain JUnit: no Quarkus, no database.
 */
class PgBouncerImportTest {
    private static final Pattern SECTION_HEADER = Pattern.compile("^\\s*\\[(databases|pgbouncer|users)]\\s*$", Pattern.MULTILINE);
    private static final Pattern USERLIST_LINE = Pattern.compile("^\\s*\"[^\"]*\"\\s+\"[^\"]*\"\\s*$");

    /** The fenced blocks of one seed: ini blocks (a section header) and userlist blocks (only "user" "secret" lines). */
    record Seed(String file, List<String> inis, List<String> userlists) {
    }

    // ---- the seeds ------------------------------------------------------------------------

    @Test
    void everySeedIniImportsWithItsUserlist() throws IOException {
        List<Seed> seeds = seeds();
        assertThat(seeds).as("seed files").hasSize(5);
        int inis = 0;
        for (Seed seed : seeds) {
            String userlist = seed.userlists().isEmpty() ? null : String.join("\n", seed.userlists());
            for (String ini : seed.inis()) {
                ImportedState state = PgBouncerImport.convert(ini, userlist);
                assertNoSecretIn(state, userlist == null ? List.of() : secretsOf(userlist));
                inis++;
            }
        }
        assertThat(inis).as("ini blocks in the seeds").isEqualTo(4);
    }

    @Test
    void seedsWithoutAnIniBlock() throws IOException {
        // 000 (a deployment guide), 002 (only fragments without a section) and 003 (a summary) show no
        // pgbouncer.ini; if one gains a block, this test wants assertions for it
        for (String prefix : List.of("000_", "002_", "003_")) {
            Seed seed = seed(prefix);
            assertThat(seed.inis()).as(seed.file()).isEmpty();
            assertThat(seed.userlists()).as(seed.file()).isEmpty();
        }
    }

    @Test
    void seed001TransactionPoolForMicroservices() throws IOException {
        Seed seed = seed("001_");
        assertThat(seed.inis()).hasSize(1);
        ImportedState state = PgBouncerImport.convert(seed.inis().get(0), null);

        PoolSpec pool = state.fleetPool();
        assertThat(pool.poolMode()).isEqualTo("transaction");
        assertThat(pool.maxClientConn()).isEqualTo(500);
        assertThat(pool.defaultPoolSize()).isEqualTo(50);
        assertThat(pool.minPoolSize()).isEqualTo(10);
        assertThat(pool.queryTimeout()).isEqualTo(60.0);
        assertThat(pool.serverIdleTimeout()).as("600 s is PgBouncer's default: not pinned").isNull();
        assertThat(pool.reservePoolSize()).isNull();
        assertThat(state.upstreams()).isEmpty();
        assertThat(state.users()).isEmpty();
        assertThat(state.routes()).isEmpty();
        assertThat(state.warnings())
                .contains("[pgbouncer] auth_type: applies to each node's own configuration; not imported")
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] disable_pqexec: "));
    }

    @Test
    void seed004HospitalityPlatform() throws IOException {
        Seed seed = seed("004_");
        assertThat(seed.inis()).hasSize(3);
        assertThat(seed.userlists()).hasSize(1);
        String userlist = seed.userlists().get(0);
        ImportedState state = PgBouncerImport.convert(seed.inis().get(0), userlist);

        UpstreamSpec upstream = state.upstreams().get("hospitality_platform");
        assertThat(upstream.hosts()).containsExactly(new HostSpec("localhost", 5432));
        assertThat(upstream.dbname()).isEqualTo("hospitality_platform");
        assertThat(upstream.pool()).isNull();
        assertThat(upstream.serverUser()).isNull();
        assertThat(upstream.tlsMode()).as("server_tls_sslmode not set: prefer, not pinned").isNull();

        PoolSpec pool = state.fleetPool();
        assertThat(pool.poolMode()).isEqualTo("transaction");
        assertThat(pool.maxClientConn()).isEqualTo(10000);
        assertThat(pool.defaultPoolSize()).isEqualTo(100);
        assertThat(pool.minPoolSize()).isEqualTo(10);
        assertThat(pool.reservePoolSize()).isEqualTo(10);
        assertThat(pool.maxDbConnections()).isEqualTo(100);
        assertThat(pool.maxUserConnections()).isEqualTo(10000);
        // server_idle_timeout 600, server_lifetime 3600, query_timeout 0, query_wait_timeout 120 and
        // client_idle_timeout 0 are all PgBouncer's defaults
        assertThat(pool.serverIdleTimeout()).isNull();
        assertThat(pool.serverLifetime()).isNull();
        assertThat(pool.queryTimeout()).isNull();
        assertThat(pool.queryWaitTimeout()).isNull();
        assertThat(pool.clientIdleTimeout()).isNull();

        // "md5xxx…" is a placeholder of 32 characters, not an md5 hash: PgBouncer reads it as a password
        assertThat(state.users()).containsOnlyKeys("hospitality_user");
        assertThat(state.users().get("hospitality_user").password()).isEqualTo("md5xxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        assertThat(state.warnings())
                .anySatisfy(w -> assertThat(w).startsWith("auth_file: user hospitality_user: the secret starts with md5"))
                .contains("[pgbouncer] listen_addr: applies to each node's own configuration; not imported",
                        "[pgbouncer] listen_port: applies to each node's own configuration; not imported",
                        "[pgbouncer] auth_type: applies to each node's own configuration; not imported",
                        "[pgbouncer] log_connections: applies to each node's own configuration; not imported",
                        "[pgbouncer] tcp_keepalive: applies to each node's own configuration; not imported")
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] reserve_pool_timeout: the desired state has no such setting"))
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] client_login_timeout: the desired state has no such setting"))
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] ignore_startup_parameters: "));
        assertThat(state.warnings()).filteredOn(w -> w.contains("listen_port")).hasSize(1);
        assertThat(state.warnings()).noneSatisfy(w -> assertThat(w).contains("auth_file: not set"));

        // the failover entry: a host list
        ImportedState failover = PgBouncerImport.convert(seed.inis().get(1), null);
        assertThat(failover.upstreams().get("hospitality_platform").hosts())
                .containsExactly(new HostSpec("primary-db", 5432), new HostSpec("replica-db", 5432));

        // the TLS block, with the databases of the first: server_tls_sslmode = require on every upstream
        ImportedState tls = PgBouncerImport.convert(seed.inis().get(2) + "\n[databases]\n"
                + "hospitality_platform = host=localhost port=5432 dbname=hospitality_platform\n", null);
        assertThat(tls.upstreams().get("hospitality_platform").tlsMode()).isEqualTo("require");
        assertThat(tls.upstreams().get("hospitality_platform").tlsCaPem()).isNull();
        assertThat(tls.fleetPool().isEmpty()).isTrue();
        assertThat(tls.warnings())
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] server_tls_ca_file: /etc/ssl/certs/ca-cert.pem cannot be read"))
                .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] server_tls_cert_file: the desired state has no such setting"))
                .contains("[pgbouncer] client_tls_sslmode: applies to each node's own configuration; not imported",
                        "[pgbouncer] client_tls_key_file: applies to each node's own configuration; not imported");
    }

    // ---- mapping ---------------------------------------------------------------------------

    @Test
    void databaseEntryWithPoolSettingsAndServerLogin() {
        ImportedState state = PgBouncerImport.convert("""
                [databases]
                app = host=db1,db2 port=6543 dbname=appdb user=app_owner password=Owner-Secret-1 pool_size=5 min_pool_size=2 reserve_pool=3 max_db_connections=9 max_db_client_connections=40 pool_mode=statement server_lifetime=30min pgfleet_session_state=refuse
                reports = host=db3
                [pgbouncer]
                auth_type = scram-sha-256
                """, "\"alice\" \"Alice-Secret-1\"\n");

        UpstreamSpec app = state.upstreams().get("app");
        assertThat(app.hosts()).containsExactly(new HostSpec("db1", 6543), new HostSpec("db2", 6543));
        assertThat(app.dbname()).isEqualTo("appdb");
        assertThat(app.serverUser()).isEqualTo("app_owner");
        assertThat(app.pool()).isEqualTo(new PoolSpec("statement", 5, 2, 3, 9, null, null, 40, null, null, 1800.0,
                null, null, null, null, null, null, "refuse"));
        UpstreamSpec reports = state.upstreams().get("reports");
        assertThat(reports.hosts()).containsExactly(new HostSpec("db3", 5432));
        assertThat(reports.dbname()).isEqualTo("reports");
        assertThat(reports.pool()).isNull();
        assertThat(new ArrayList<>(state.upstreams().keySet())).containsExactly("app", "reports");

        // password= makes the server user a user of the fleet, with that password
        assertThat(state.users()).containsOnlyKeys("alice", "app_owner");
        assertThat(state.users().get("app_owner")).isEqualTo(new UserSpec("Owner-Secret-1", null, null, null));
        assertThat(state.users().get("alice")).isEqualTo(new UserSpec("Alice-Secret-1", null, null, null));
        assertThat(state.fleetPool().isEmpty()).as("auth_type is no pool setting").isTrue();
        assertNoSecretIn(state, List.of("Owner-Secret-1", "Alice-Secret-1"));
    }

    @Test
    void passwordEntryAgainstTheUserlist() {
        String ini = "[databases]\napp = host=db user=owner password=Owner-Secret-1\n";
        String verifier = ScramVerifier.fromPassword("Owner-Secret-1", 4096).format();
        String otherVerifier = ScramVerifier.fromPassword("Something-Else", 4096).format();
        String md5 = io.pgfleet.dataplane.auth.Md5Password.storedHash("owner", "Owner-Secret-1");
        for (String same : List.of("Owner-Secret-1", verifier, md5)) {
            ImportedState state = PgBouncerImport.convert(ini, "\"owner\" \"" + same + "\"");
            assertThat(state.users().get("owner").password()).isEqualTo("Owner-Secret-1");
            assertThat(state.users().get("owner").scramVerifier()).isNull();
            assertThat(state.warnings()).noneSatisfy(w -> assertThat(w).contains("owner"));
        }
        for (String other : List.of("Other-Secret-1", otherVerifier, io.pgfleet.dataplane.auth.Md5Password.storedHash("owner", "Other-Secret-1"))) {
            ImportedState state = PgBouncerImport.convert(ini, "\"owner\" \"" + other + "\"");
            assertThat(state.users().get("owner").password()).isEqualTo("Owner-Secret-1");
            assertThat(state.warnings()).anySatisfy(w -> assertThat(w)
                    .startsWith("user owner: the password= of [databases] app differs from the user's secret in auth_file"));
            assertNoSecretIn(state, List.of("Owner-Secret-1", other));
        }
    }

    @Test
    void userlistSecretsAndUsersSection() {
        String verifier = ScramVerifier.fromPassword("Bob-Secret-1", 4096).format();
        String md5 = io.pgfleet.dataplane.auth.Md5Password.storedHash("carol", "Carol-Secret-1");
        ImportedState state = PgBouncerImport.convert("""
                [pgbouncer]
                auth_type = md5
                auth_file = /etc/pgbouncer/userlist.txt
                [users]
                alice = pool_mode=transaction pool_size=4 reserve_pool_size=1 max_user_connections=7 max_user_client_connections=70 query_timeout=1.5 idle_transaction_timeout=500ms transaction_timeout=2min client_idle_timeout=1h pgfleet_session_state=pin
                carol = pool_size=2
                dave = pool_size=3
                """, """
                ; users
                "alice" "Alice-Secret-1"
                "bob" "%s"
                "carol" "%s"
                """.formatted(verifier, md5));

        assertThat(state.users()).containsOnlyKeys("alice", "bob");
        assertThat(state.users().get("alice").password()).isEqualTo("Alice-Secret-1");
        assertThat(state.users().get("alice").pool()).isEqualTo(new PoolSpec("transaction", 4, null, 1, null, 7, null,
                null, 70, null, null, 1.5, null, 0.5, 120.0, 3600.0, null, "pin"));
        assertThat(state.users().get("bob")).isEqualTo(new UserSpec(null, verifier, null, null));
        assertThat(state.warnings())
                .contains("auth_file: user carol: md5 hash cannot be converted to SCRAM; set a password with PUT"
                        + " /api/v1/fleets/{fleet}/users/carol (user not imported)")
                .anySatisfy(w -> assertThat(w).startsWith("[users] carol: the user has no importable password"))
                .anySatisfy(w -> assertThat(w).startsWith("[users] dave: the user has no importable password"));
        assertThat(state.warnings()).filteredOn(w -> w.startsWith("[pgbouncer] auth_file")).isEmpty();
        assertNoSecretIn(state, List.of("Alice-Secret-1", verifier, md5));
    }

    @Test
    void adminAndStatsUsersBecomeTheUsersConsoleAccess() {
        ImportedState state = PgBouncerImport.convert("""
                [databases]
                d = host=h
                [pgbouncer]
                admin_users = ops, ghost
                stats_users = monitor, ops
                """, "\"ops\" \"Ops-Secret-1\"\n\"monitor\" \"Mon-Secret-1\"\n\"app\" \"App-Secret-1\"\n");
        assertThat(state.users().get("ops").console()).as("admin wins over stats").isEqualTo("admin");
        assertThat(state.users().get("monitor").console()).isEqualTo("stats");
        assertThat(state.users().get("app").console()).isNull();
        assertThat(state.warnings()).anyMatch(w -> w.contains("ghost") && w.contains("not an imported user"))
                .noneMatch(w -> w.contains("admin_users: applies to each node"));
    }

    @Test
    void md5HashIsSkippedWithAWarning() {
        String md5 = io.pgfleet.dataplane.auth.Md5Password.storedHash("legacy", "Legacy-Secret-1");
        ImportedState state = PgBouncerImport.convert("[databases]\nd = host=h\n", "\"legacy\" \"" + md5 + "\"\n");
        assertThat(state.users()).isEmpty();
        assertThat(state.warnings()).containsExactly("auth_file: user legacy: md5 hash cannot be converted to SCRAM;"
                + " set a password with PUT /api/v1/fleets/{fleet}/users/legacy (user not imported)");
        assertNoSecretIn(state, List.of(md5, md5.substring(3)));
    }

    @Test
    void fallbackDatabaseIsSkippedWithAWarning() {
        ImportedState state = PgBouncerImport.convert("""
                [databases]
                * = host=catchall user=fallback password=Fallback-Secret-1
                main = host=db
                """, null);
        assertThat(state.upstreams()).containsOnlyKeys("main");
        assertThat(state.users()).as("the skipped entry's server user is not needed").isEmpty();
        assertThat(state.warnings()).anySatisfy(w -> assertThat(w)
                .startsWith("[databases] *: the fallback entry (any other database name) cannot be expressed"));
        assertNoSecretIn(state, List.of("Fallback-Secret-1"));
    }

    @Test
    void defaultsAreNotPinned() {
        ImportedState state = PgBouncerImport.convert("""
                [pgbouncer]
                pool_mode = session
                default_pool_size = 20
                min_pool_size = 0
                reserve_pool_size = 0
                max_client_conn = 100
                max_db_connections = 0
                server_idle_timeout = 600
                server_lifetime = 1h
                query_timeout = 0
                query_wait_timeout = 120
                client_idle_timeout = 0
                max_prepared_statements = 200
                server_tls_sslmode = prefer
                [databases]
                d = host=h
                """, null);
        assertThat(state.fleetPool()).isEqualTo(PoolSpec.NONE);
        assertThat(state.upstreams().get("d")).isEqualTo(new UpstreamSpec(List.of(new HostSpec("h", 5432)), null, null,
                "d", null, null, null, null));
        assertThat(state.warnings()).isEmpty();
    }

    @Test
    void fleetDurationsInSeconds() {
        ImportedState state = PgBouncerImport.convert("""
                [pgbouncer]
                server_lifetime = 30min
                query_timeout = 500ms
                idle_transaction_timeout = 2.5
                transaction_timeout = 10s
                server_idle_timeout = 0
                pgfleet_session_state = refuse
                max_prepared_statements = 0
                """, null);
        assertThat(state.fleetPool()).isEqualTo(new PoolSpec(null, null, null, null, null, null, null, null, null, 0.0,
                1800.0, 0.5, null, 2.5, 10.0, null, 0, "refuse"));
    }

    @Test
    void filesNamedInTheIniAreNotRead() {
        // an absolute auth_file or auth_hba_file is a path on the nodes, not on the control plane
        ImportedState state = PgBouncerImport.convert("""
                [pgbouncer]
                auth_type = hba
                auth_file = /etc/passwd
                auth_hba_file = /etc/hosts
                """, null);
        assertThat(state.users()).isEmpty();
        assertThat(state.warnings()).containsExactly(
                "[pgbouncer] auth_type: applies to each node's own configuration; not imported",
                "[pgbouncer] auth_hba_file: applies to each node's own configuration; not imported",
                "[pgbouncer] auth_file: its text was not given, so no user is imported from it");
    }

    @Test
    void serverUserWithoutPasswordIsReported() {
        String verifier = ScramVerifier.fromPassword("Svc-Secret-1", 4096).format();
        ImportedState state = PgBouncerImport.convert("[databases]\nd = host=h user=svc\n", "\"svc\" \"" + verifier + "\"");
        assertThat(state.upstreams().get("d").serverUser()).isEqualTo("svc");
        assertThat(state.users().get("svc").scramVerifier()).isEqualTo(verifier);
        assertThat(state.warnings()).anySatisfy(w -> assertThat(w)
                .startsWith("[databases] d user: nodes need the password of svc"));
        assertNoSecretIn(state, List.of(verifier));
    }

    // ---- rejections ------------------------------------------------------------------------

    @Test
    void whatTheLoaderRejectsIsRejectedWithItsMessage() {
        assertThatThrownBy(() -> PgBouncerImport.convert("[pgbouncer]\npool_mode = sometimes\n", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[pgbouncer] pool_mode = 'sometimes'");
        assertThatThrownBy(() -> PgBouncerImport.convert("[databases]\nd = host=h pool_size=many\n", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[databases] d pool_size = 'many'");
        assertThatThrownBy(() -> PgBouncerImport.convert("[pgbouncer]\n", "\"alice\" Alice-Secret-1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auth_file line 1")
                .message().doesNotContain("Alice-Secret-1");
        assertThatThrownBy(() -> PgBouncerImport.convert("[pgbouncer]\n", "\"alice\" \"SCRAM-SHA-256$x:Alice-Secret-1\"\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auth_file: user alice")
                .message().doesNotContain("Alice-Secret-1");
    }

    @Test
    void aPasswordWithASpaceNeverShowsInTheMessage() {
        assertThatThrownBy(() -> PgBouncerImport.convert(
                "[databases]\nd = host=h user=u password=Secret-Start SecretEnd pool_size=1\n", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("[databases] d: ")
                .message().doesNotContain("Secret-Start").doesNotContain("SecretEnd");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void assertNoSecretIn(ImportedState state, List<String> secrets) {
        for (String warning : state.warnings()) {
            for (String secret : secrets) {
                assertThat(warning).as("a warning").doesNotContain(secret);
            }
            assertThat(warning).doesNotContain("SCRAM-SHA-256$");
        }
    }

    private static List<String> secretsOf(String userlist) {
        return userlist.lines().map(String::strip).filter(l -> l.startsWith("\""))
                .map(l -> l.substring(l.indexOf('"', l.indexOf('"', 1) + 1) + 1, l.length() - 1)).toList();
    }

    private static Seed seed(String prefix) throws IOException {
        return seeds().stream().filter(s -> s.file().startsWith(prefix)).findFirst()
                .orElseGet(() -> fail("no seed " + prefix + "*"));
    }

    static List<Seed> seeds() throws IOException {
        List<Seed> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(seedsDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                seeds.add(blocks(file));
            }
        }
        return seeds;
    }

    /** The fenced code blocks of a markdown seed that are a pgbouncer.ini or a userlist.txt. */
    private static Seed blocks(Path markdown) throws IOException {
        List<String> inis = new ArrayList<>();
        List<String> userlists = new ArrayList<>();
        StringBuilder block = null;
        for (String line : Files.readAllLines(markdown)) {
            if (line.strip().startsWith("```")) {
                if (block == null) {
                    block = new StringBuilder();
                } else {
                    String text = block.toString();
                    if (SECTION_HEADER.matcher(text).find()) {
                        inis.add(text);
                    } else if (isUserlist(text)) {
                        userlists.add(text);
                    }
                    block = null;
                }
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return new Seed(markdown.getFileName().toString(), inis, userlists);
    }

    private static boolean isUserlist(String text) {
        List<String> lines = text.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith(";") && !l.startsWith("#")).toList();
        return !lines.isEmpty() && lines.stream().allMatch(l -> USERLIST_LINE.matcher(l).matches());
    }

    /** shared/seeds beside the repository: found by walking up from the working directory. */
    private static Path seedsDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path seeds = dir.resolve("shared").resolve("seeds");
            if (Files.isDirectory(seeds)) {
                return seeds;
            }
        }
        return fail("no shared/seeds directory above " + Path.of("").toAbsolutePath()
                + "; CI checks ../shared out beside the clone");
    }
}
