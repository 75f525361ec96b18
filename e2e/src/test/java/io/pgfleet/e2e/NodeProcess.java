package io.pgfleet.e2e;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pooler node in fleet mode: {@code data-plane/node/target/quarkus-app/quarkus-run.jar}
 * with clients on {@link #port()} and health and metrics on {@link #httpPort()}
 * ({@code quarkus.http.port}, as deploy/local/pgfleet sets it). {@code /q/health/ready} answers
 * 200 once the node holds a config. Control-plane targets go comma-separated into
 * {@code pgfleet.node.control-plane}; the snapshot key and bootstrap token go in the environment.
 */
public final class NodeProcess extends JavaProcess {
    private final String nodeId;
    private final String fleet;
    private final List<String> controlPlanes;
    private final int port;
    private final int httpPort;
    private final Path snapshotFile;
    private final String snapshotKey;
    private final String token;
    private final Map<String, String> extraProperties;

    private NodeProcess(Builder b) {
        super(b.nodeId, b.workDir.resolve(b.nodeId + ".log"));
        this.nodeId = b.nodeId;
        this.fleet = b.fleet;
        this.controlPlanes = List.copyOf(b.controlPlanes);
        this.port = b.port;
        this.httpPort = b.httpPort;
        this.snapshotFile = b.snapshotFile;
        this.snapshotKey = b.snapshotKey;
        this.token = b.token;
        this.extraProperties = Map.copyOf(b.extraProperties);
    }

    public static Builder builder(String nodeId, Path workDir) {
        return new Builder(nodeId, workDir);
    }

    public static final class Builder {
        private final String nodeId;
        private final Path workDir;
        private String fleet = "default";
        private final List<String> controlPlanes = new ArrayList<>();
        private int port;
        private int httpPort;
        private Path snapshotFile;
        private String snapshotKey;
        private String token;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();

        private Builder(String nodeId, Path workDir) {
            this.nodeId = nodeId;
            this.workDir = workDir;
        }

        public Builder fleet(String fleet) {
            this.fleet = fleet;
            return this;
        }

        /** gRPC targets (host:port), in the order the node should try them. */
        public Builder controlPlanes(List<String> targets) {
            controlPlanes.addAll(targets);
            return this;
        }

        public Builder controlPlane(ControlPlaneProcess replica) {
            controlPlanes.add(replica.grpcTarget());
            return this;
        }

        /** Client port; a free one when not set. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Health/metrics port; a free one when not set. */
        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** Encrypted local snapshot of the last good config ({@code pgfleet.node.snapshot-file}, -key). */
        public Builder snapshot(Path file, String key) {
            this.snapshotFile = file;
            this.snapshotKey = key;
            return this;
        }

        /** The fleet's bootstrap token ({@code pgfleet.node.token}). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Any other system property, e.g. {@code pgfleet.node.stats-interval}. */
        public Builder property(String key, String value) {
            extraProperties.put(key, value);
            return this;
        }

        public NodeProcess build() {
            if (controlPlanes.isEmpty()) {
                throw new IllegalStateException("a fleet node needs at least one control-plane target");
            }
            if (port == 0) {
                port = Ports.free();
            }
            if (httpPort == 0) {
                httpPort = Ports.free();
            }
            return new NodeProcess(this);
        }
    }

    @Override
    protected Path jar() {
        return E2e.nodeJar();
    }

    @Override
    protected Map<String, String> systemProperties() {
        Map<String, String> properties = ordered();
        properties.put("pgfleet.node.control-plane", String.join(",", controlPlanes));
        properties.put("pgfleet.node.control-plane-plaintext", "true");
        properties.put("pgfleet.node.id", nodeId);
        properties.put("pgfleet.node.fleet", fleet);
        properties.put("pgfleet.node.listen-address", "127.0.0.1");
        properties.put("pgfleet.node.listen-port", Integer.toString(port));
        properties.put("quarkus.http.host", "127.0.0.1");
        properties.put("quarkus.http.port", Integer.toString(httpPort));
        if (snapshotFile != null) {
            properties.put("pgfleet.node.snapshot-file", snapshotFile.toString());
        }
        // A short interval so the registry's connection counts move within a test's patience.
        properties.put("pgfleet.node.stats-interval", "1s");
        properties.putAll(extraProperties);
        return properties;
    }

    @Override
    protected Map<String, String> environment() {
        Map<String, String> env = ordered();
        if (snapshotKey != null) {
            env.put("PGFLEET_NODE_SNAPSHOT_KEY", snapshotKey);
        }
        if (token != null) {
            env.put("PGFLEET_NODE_TOKEN", token);
        }
        return env;
    }

    @Override
    public URI readinessUri() {
        return URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
    }

    @Override
    public NodeProcess start() {
        super.start();
        return this;
    }

    @Override
    public NodeProcess awaitReady(Duration within) {
        super.awaitReady(within);
        return this;
    }

    public String nodeId() {
        return nodeId;
    }

    public String fleet() {
        return fleet;
    }

    public List<String> controlPlanes() {
        return controlPlanes;
    }

    /** Where clients connect. */
    public int port() {
        return port;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path snapshotFile() {
        return snapshotFile;
    }

    /** pgjdbc URL of a database served by this node (no TLS). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?sslmode=disable";
    }
}
