package io.pgfleet.dataplane.node;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How a node process runs. Exactly one source of config: a PgBouncer config file
 * ({@code config-file}, standalone) or a control plane ({@code control-plane}, fleet).
 */
@ConfigMapping(prefix = "pgfleet.node")
public interface NodeOptions {
    /** A pgbouncer.ini to serve from, with no control plane. */
    Optional<String> configFile();

    /**
     * The control plane's gRPC address, host:port, or a comma-separated list of its
     * replicas; the node moves to the next one on every reconnect.
     */
    Optional<String> controlPlane();

    /**
     * Fleet mode: where the node keeps an encrypted copy of its last applied config, so a
     * restart serves at once without a control plane. Unset: no snapshot.
     */
    Optional<String> snapshotFile();

    /** Base64 of the 32-byte AES-256 key for {@link #snapshotFile()}; required with it. A secret. */
    Optional<String> snapshotKey();

    /** Use h2c (no TLS) to reach the control plane. */
    @WithDefault("false")
    boolean controlPlanePlaintext();

    /** Fleet bootstrap token presented to the control plane. */
    Optional<String> token();

    /** Where clients connect in fleet mode (standalone mode takes listen_addr/listen_port from the ini). */
    @WithDefault("127.0.0.1")
    String listenAddress();

    @WithDefault("6432")
    int listenPort();

    /** Stable name of this node; defaults to the host name plus the listen port. */
    Optional<String> id();

    @WithDefault("default")
    String fleet();

    /** Labels reported to the control plane. */
    Map<String, String> labels();

    @WithDefault("10s")
    Duration statsInterval();

    /**
     * On SIGTERM: how long running transactions may take to finish before the node closes
     * what is left (clients outside a transaction are closed at once).
     */
    @WithDefault("30s")
    Duration shutdownTimeout();

    /** I/O event loops (threads serving clients and servers); 0 = one per core. */
    @WithDefault("0")
    int eventLoops();
}
