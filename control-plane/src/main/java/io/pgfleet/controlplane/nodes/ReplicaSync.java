package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.fleet.ConfigChanged;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What makes replicas work together: LISTEN on {@link ConfigChanged#CHANNEL} on a dedicated
 * connection (changes committed by any replica start a round for their fleet), a polling
 * fallback on the revision sequence for notifications that never came, and the heartbeat
 * that keeps last_seen of this replica's nodes fresh. All of it on its own daemon threads.
 */
@ApplicationScoped
public class ReplicaSync {
    private static final Logger LOG = Logger.getLogger(ReplicaSync.class);
    private static final Duration LISTEN_WAIT = Duration.ofMillis(500);

    @Inject
    ConfigDistributor distributor;
    @Inject
    NodeRegistry registry;
    @Inject
    DataSource db;

    @ConfigProperty(name = "pgfleet.nodes.poll-interval", defaultValue = "5s")
    Duration pollInterval;
    /** Off only to test the polling fallback alone. */
    @ConfigProperty(name = "pgfleet.nodes.listen", defaultValue = "true")
    boolean listen;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;
    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    private volatile boolean running;
    private ScheduledExecutorService timers;
    private Thread listener;
    private long polledRevision = -1;
    private boolean confirmPending;

    void start(@Observes StartupEvent event) {
        running = true;
        timers = Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "pgfleet-replica-sync");
            t.setDaemon(true);
            return t;
        });
        long heartbeat = registry.heartbeatInterval().toMillis();
        timers.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        long poll = pollInterval.toMillis();
        timers.scheduleWithFixedDelay(this::poll, 0, poll, TimeUnit.MILLISECONDS);
        if (listen) {
            listener = new Thread(this::listenLoop, "pgfleet-listen");
            listener.setDaemon(true);
            listener.start();
        }
        LOG.infof("replica %s: heartbeat every %s, polling every %s, LISTEN %s", registry.replica(),
                registry.heartbeatInterval(), pollInterval, listen ? "on" : "off");
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (timers != null) {
            timers.shutdownNow();
        }
        if (listener != null) {
            listener.interrupt();
        }
        try {
            registry.releaseAll();
        } catch (RuntimeException e) {
            LOG.debugf("could not mark this replica's nodes disconnected: %s", e.getMessage());
        }
    }

    private void heartbeat() {
        try {
            registry.heartbeat(distributor.localNodeIds());
        } catch (RuntimeException e) {
            LOG.warnf("heartbeat failed: %s", e.getMessage());
        }
    }

    /**
     * Starts a round for every fleet when the newest revision moved since the last poll, and
     * once more at the poll after: a transaction that took its revision before a poll may
     * commit after it, and its change must not wait for the next one.
     */
    private void poll() {
        long latest;
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM config_revision")) {
            rs.next();
            latest = rs.getLong(1);
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("polling the config revision failed: %s", e.getMessage());
            return;
        }
        if (polledRevision < 0) {
            polledRevision = latest; // nodes get a full difference when they connect
            return;
        }
        if (latest != polledRevision) {
            polledRevision = latest;
            confirmPending = true;
            distributor.requestAll();
        } else if (confirmPending) {
            confirmPending = false;
            distributor.requestAll();
        }
    }

    private void listenLoop() {
        long backoff = 250;
        while (running) {
            try (Connection c = connect()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + ConfigChanged.CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                LOG.debugf("listening on %s", ConfigChanged.CHANNEL);
                backoff = 250;
                // Whatever was committed while we were not listening.
                distributor.requestAll();
                while (running) {
                    PGNotification[] notifications = pg.getNotifications((int) LISTEN_WAIT.toMillis());
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            dispatch(n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("LISTEN %s connection failed (%s); reconnecting in %d ms, polling meanwhile",
                        ConfigChanged.CHANNEL, e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        user.ifPresent(u -> properties.setProperty("user", u));
        password.ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("ApplicationName", "pgfleet-control-plane listen");
        properties.setProperty("tcpKeepAlive", "true");
        Connection connection = new org.postgresql.Driver().connect(jdbcUrl, properties);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL URL: " + jdbcUrl);
        }
        return connection;
    }

    /** Payload {@code <fleet>:<revision>}; anything else starts a round for every fleet. */
    private void dispatch(String payload) {
        int colon = payload == null ? -1 : payload.lastIndexOf(':');
        if (colon > 0) {
            try {
                distributor.notified(payload.substring(0, colon), Long.parseLong(payload.substring(colon + 1)));
                return;
            } catch (NumberFormatException ignored) {
                // fall through
            }
        }
        LOG.warnf("unexpected %s payload %s; syncing every fleet", ConfigChanged.CHANNEL, payload);
        distributor.requestAll();
    }
}
