package io.pgfleet.dataplane.config;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every pgbouncer.ini our users published (the markdown write-ups in ../shared/seeds)
 * loads: nothing throws, and every setting the node does not act on is named in the
 * warnings. CI checks ../shared out beside the clone, so a missing seeds dir fails.
 */
class SeedConfigsLoadTest {
    private static final Pattern SECTION_HEADER = Pattern.compile("^\\s*\\[(databases|pgbouncer|users)]\\s*$", Pattern.MULTILINE);

    /** [pgbouncer] keys the node acts on; any other key in a seed must show up in a warning. */
    private static final Set<String> ACTED_ON = Set.of("pool_mode", "default_pool_size", "min_pool_size", "reserve_pool_size",
            "reserve_pool_timeout", "max_db_connections", "max_user_connections", "max_client_conn", "max_db_client_connections",
            "max_user_client_connections", "server_connect_timeout", "server_login_retry", "server_idle_timeout",
            "server_lifetime", "server_check_delay", "server_check_query", "query_timeout", "query_wait_timeout",
            "client_idle_timeout", "client_login_timeout", "idle_transaction_timeout", "transaction_timeout",
            "cancel_wait_timeout", "server_reset_query", "server_reset_query_always", "server_round_robin",
            "client_tls_sslmode", "client_tls_cert_file", "client_tls_key_file", "client_tls_ca_file", "client_tls_protocols",
            "client_tls_ciphers", "server_tls_sslmode", "server_tls_cert_file", "server_tls_key_file", "server_tls_ca_file",
            "server_tls_protocols", "server_tls_ciphers", "listen_addr", "listen_port", "max_packet_size", "so_reuseport",
            "auth_type", "auth_file", "auth_hba_file");

    @TempDir
    Path emptyDir;

    /** One ini block from a seed, named by file and line so a failure points at it. */
    record SeedIni(String name, String text) {
    }

    @TestFactory
    Stream<DynamicTest> everySeedIniLoads() throws IOException {
        List<SeedIni> inis = new ArrayList<>();
        try (Stream<Path> files = Files.list(seedsDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).sorted().toList()) {
                inis.addAll(iniBlocks(file));
            }
        }
        assertThat(inis).as("pgbouncer.ini blocks in the seeds").isNotEmpty();
        return inis.stream().map(ini -> DynamicTest.dynamicTest(ini.name(), () -> loadsAndReports(ini)));
    }

    private void loadsAndReports(SeedIni ini) throws IOException {
        // a seed's auth_file (/etc/pgbouncer/userlist.txt) is usually absent here: that must be a warning, not a failure
        PgBouncerConfigLoader.Loaded loaded = PgBouncerConfigLoader.parse(ini.text(), emptyDir);
        List<String> warnings = loaded.warnings();
        Map<String, String> pgbouncer = IniFile.parse(ini.text()).section("pgbouncer");

        pgbouncer.keySet().stream().map(k -> k.toLowerCase(Locale.ROOT)).filter(k -> !ACTED_ON.contains(k)).forEach(key ->
                assertThat(warnings).as("warnings of %s", ini.name())
                        .anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] " + key + ": ")));
        String authFile = pgbouncer.get("auth_file");
        if (authFile != null && !Files.exists(emptyDir.resolve(authFile))) {
            assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("[pgbouncer] auth_file: "));
        }
        PoolerConfig pooler = loaded.config().pooler();
        if (pgbouncer.containsKey("pool_mode")) {
            assertThat(pooler.poolMode().iniName()).isEqualTo(firstWord(pgbouncer.get("pool_mode")));
        }
        if (pgbouncer.containsKey("default_pool_size")) {
            assertThat(pooler.defaultPoolSize()).isEqualTo(Integer.parseInt(firstWord(pgbouncer.get("default_pool_size"))));
        }
        if (pgbouncer.containsKey("max_client_conn")) {
            assertThat(pooler.maxClientConn()).isEqualTo(Integer.parseInt(firstWord(pgbouncer.get("max_client_conn"))));
        }
        if (pgbouncer.containsKey("listen_port")) {
            assertThat(loaded.settings().listenPort()).isEqualTo(Integer.parseInt(firstWord(pgbouncer.get("listen_port"))));
        }
        for (String database : IniFile.parse(ini.text()).section("databases").keySet()) {
            assertThat(loaded.config().databases()).as("databases of %s", ini.name()).containsKey(IniFile.name(database));
        }
    }

    private static String firstWord(String value) {
        return value.strip().split("\\s+")[0];
    }

    /** Fenced code blocks of a markdown file that hold a [databases], [pgbouncer] or [users] section. */
    static List<SeedIni> iniBlocks(Path markdown) throws IOException {
        List<SeedIni> blocks = new ArrayList<>();
        List<String> lines = Files.readAllLines(markdown);
        StringBuilder block = null;
        int blockStart = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```")) {
                if (block == null) {
                    block = new StringBuilder();
                    blockStart = i + 1;
                } else {
                    if (SECTION_HEADER.matcher(block).find()) {
                        blocks.add(new SeedIni(markdown.getFileName() + ":" + blockStart, block.toString()));
                    }
                    block = null;
                }
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }

    /** shared/seeds beside the repository: found by walking up from the working directory. */
    static Path seedsDir() {
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
