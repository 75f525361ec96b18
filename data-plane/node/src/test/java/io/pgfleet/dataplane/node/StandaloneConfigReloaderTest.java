package io.pgfleet.dataplane.node;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import io.pgfleet.dataplane.config.PoolMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Reload of a standalone node's pgbouncer.ini, driven directly and by a real SIGHUP. */
class StandaloneConfigReloaderTest {
    @TempDir
    Path dir;

    private Path ini(String pgbouncer, String databases) throws IOException {
        Path ini = dir.resolve("pgbouncer.ini");
        Files.writeString(ini, "[databases]\n" + databases + "\n[pgbouncer]\nauth_type = trust\n" + pgbouncer + "\n");
        return ini;
    }

    @Test
    void aGoodFileReplacesTheServedConfig() throws IOException {
        Path ini = ini("pool_mode = session", "appdb = host=db1");
        PgBouncerConfigLoader.Loaded first = PgBouncerConfigLoader.load(ini);
        ConfigHolder holder = new ConfigHolder(first.config());
        StandaloneConfigReloader reloader = new StandaloneConfigReloader(ini, holder, first.settings());

        ini("pool_mode = transaction\ndefault_pool_size = 7", "appdb = host=db1\nreports = host=db2");
        assertThat(reloader.reload()).isTrue();

        NodeConfig now = holder.current();
        assertThat(now.pooler().poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(now.pooler().defaultPoolSize()).isEqualTo(7);
        assertThat(now.databases()).containsOnlyKeys("appdb", "reports");
    }

    @Test
    void aBadFileKeepsTheOldConfig() throws IOException {
        Path ini = ini("default_pool_size = 5", "appdb = host=db1");
        PgBouncerConfigLoader.Loaded first = PgBouncerConfigLoader.load(ini);
        ConfigHolder holder = new ConfigHolder(first.config());
        StandaloneConfigReloader reloader = new StandaloneConfigReloader(ini, holder, first.settings());

        ini("default_pool_size = five", "appdb = host=db1\nreports = host=db2");
        assertThat(reloader.reload()).isFalse();
        assertThat(holder.current()).isSameAs(first.config());

        Files.delete(ini);
        assertThat(reloader.reload()).isFalse();
        assertThat(holder.current()).isSameAs(first.config());
    }

    @Test
    void processLevelChangesAreNamedForARestart() {
        PoolerSettings running = PoolerSettings.defaults("127.0.0.1", 6432);
        assertThat(StandaloneConfigReloader.restartNeeded(running, running)).isEmpty();
        PoolerSettings changed = new PoolerSettings("0.0.0.0", 7432, 0, 1024, 3000, true, 0);
        assertThat(StandaloneConfigReloader.restartNeeded(running, changed)).containsExactly(
                "listen_addr (127.0.0.1 -> 0.0.0.0)",
                "listen_port (6432 -> 7432)",
                "max_packet_size (" + PoolerSettings.DEFAULT_MAX_MESSAGE_SIZE + " -> 1024)",
                "so_reuseport (false -> true)",
                "server_connect_timeout (ms) (15000 -> 3000)");
    }

    @Test
    void sighupRunsTheReload() throws InterruptedException {
        CountDownLatch reloaded = new CountDownLatch(1);
        HangupSignal hangup = HangupSignal.install(reloaded::countDown);
        // only where the JVM lets us take SIGHUP; raising it otherwise would stop the test JVM
        assumeThat(hangup).isNotNull();
        try {
            Signal.raise(new Signal("HUP"));
            assertThat(reloaded.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            hangup.close();
        }
    }
}
