package io.pgfleet.dataplane.node;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.PgBouncerConfigLoader;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Re-reads a standalone node's pgbouncer.ini (on SIGHUP, like PgBouncer) and swaps the
 * served config. A file that does not load keeps the node on the config it has. Settings
 * fixed at process start (listen address and port, ...) are reported, not applied.
 */
public final class StandaloneConfigReloader {
    private static final Logger LOG = Logger.getLogger(StandaloneConfigReloader.class);

    private final Path file;
    private final ConfigHolder holder;
    private final PoolerSettings running;

    /**
     * @param running the process settings the pooler was started with; a reload cannot change them
     */
    public StandaloneConfigReloader(Path file, ConfigHolder holder, PoolerSettings running) {
        this.file = file;
        this.holder = holder;
        this.running = running;
    }

    /** True when the file loaded and now is the served config. Never throws: it runs on a signal thread. */
    public synchronized boolean reload() {
        PgBouncerConfigLoader.Loaded loaded;
        try {
            loaded = PgBouncerConfigLoader.load(file);
        } catch (IOException | IllegalArgumentException e) {
            // the loader's messages name section, key and value, never a secret
            LOG.errorf("reload of %s failed, still serving the previous config: %s", file, e.getMessage());
            return false;
        } catch (RuntimeException e) {
            LOG.errorf(e, "reload of %s failed, still serving the previous config", file);
            return false;
        }
        logWarnings(file, loaded.warnings());
        holder.replace(loaded.config());
        for (String change : restartNeeded(running, loaded.settings())) {
            LOG.warnf("%s: %s changed; it needs a restart to take effect", file, change);
        }
        LOG.infof("reloaded %s: %d databases, %d users", file, loaded.config().databases().size(),
                loaded.config().users().size());
        return true;
    }

    /** The process-level settings that differ, named by their pgbouncer.ini keys with old and new value. */
    static List<String> restartNeeded(PoolerSettings running, PoolerSettings loaded) {
        List<String> changes = new ArrayList<>();
        compare(changes, "listen_addr", running.listenAddress(), loaded.listenAddress());
        compare(changes, "listen_port", running.listenPort(), loaded.listenPort());
        compare(changes, "max_packet_size", running.maxMessageSize(), loaded.maxMessageSize());
        compare(changes, "so_reuseport", running.soReuseport(), loaded.soReuseport());
        // the TCP connect of new server connections still reads the start-time value
        compare(changes, "server_connect_timeout (ms)", running.serverConnectTimeoutMillis(), loaded.serverConnectTimeoutMillis());
        return changes;
    }

    static void logWarnings(Path file, List<String> warnings) {
        warnings.forEach(w -> LOG.warnf("%s: %s", file.getFileName(), w));
    }

    private static void compare(List<String> changes, String key, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            changes.add(key + " (" + was + " -> " + now + ")");
        }
    }
}
