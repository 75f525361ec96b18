package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static io.pgfleet.dataplane.agent.Resources.credential;
import static io.pgfleet.dataplane.agent.Resources.fleetPool;
import static io.pgfleet.dataplane.agent.Resources.push;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotStoreTest {

    private static byte[] newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    private static ConfigPush sample() {
        return push(42, fleetPool(3, PoolMode.TRANSACTION, 5), credential("snap", 7, "snap-secret-pw", ""),
                upstream("snapdb", 9, upstreamBody("127.0.0.1", 5432, "snapdb")));
    }

    @Test
    void roundTripsAndKeepsNoSecretInTheClear(@TempDir Path dir) throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("node.snapshot"), newKey());
        assertThat(store.read()).isEmpty();
        ConfigPush held = sample();
        store.write(held);
        assertThat(store.read()).contains(held);
        String raw = new String(Files.readAllBytes(store.file()), StandardCharsets.ISO_8859_1);
        assertThat(raw).startsWith("PGFSNAP1").doesNotContain("snap-secret-pw").doesNotContain("snapdb");

        ConfigPush newer = held.toBuilder().setGeneration(43).build();
        store.write(newer);
        assertThat(store.read()).contains(newer);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("node.snapshot"); // no temp file left
        }
    }

    @Test
    void aSnapshotUnderAnotherKeyOrDamagedIsIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("node.snapshot");
        new SnapshotStore(file, newKey()).write(sample());
        assertThat(new SnapshotStore(file, newKey()).read()).isEmpty();

        byte[] key = newKey();
        SnapshotStore store = new SnapshotStore(file, key);
        store.write(sample());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 1;
        Files.write(file, bytes);
        assertThat(store.read()).isEmpty();
        Files.writeString(file, "not a snapshot");
        assertThat(store.read()).isEmpty();
    }

    @Test
    void theFileIsReadableByTheNodesUserOnly(@TempDir Path dir) throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("sub/node.snapshot"), newKey());
        store.write(sample());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file()))).isEqualTo("rw-------");
    }

    @Test
    void keysAreCheckedWithoutRepeatingThem() {
        byte[] key = newKey();
        assertThat(SnapshotStore.keyFromBase64(Base64.getEncoder().encodeToString(key))).isEqualTo(key);
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> SnapshotStore.keyFromBase64(shortKey))
                .hasMessage("snapshot-key must be the base64 of 32 bytes, it decodes to 16").hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> SnapshotStore.keyFromBase64("%%%")).hasMessage("snapshot-key is not valid base64");
    }

    @Test
    void aNodeWithASnapshotServesWithoutAControlPlane(@TempDir Path dir) throws Exception {
        PostgresServer postgres = Postgres.shared();
        postgres.createUserAndDatabase("snapper", "snap-pw", "snap_db");
        byte[] key = newKey();
        Path file = dir.resolve("node.snapshot");

        // A first node life: a push is applied and written down.
        ConfigHolderAndApplier first = ConfigHolderAndApplier.with(new SnapshotStore(file, key));
        first.applier.apply(push(12, fleetPool(1, PoolMode.TRANSACTION, 2), credential("snapper", 2, "snap-pw", ""),
                upstream("snap", 3, upstreamBody(postgres.host(), postgres.port(), "snap_db"))));
        assertThat(Files.exists(file)).isTrue();

        // The next life: no control plane answers (port 1), and the node serves at once.
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId("snapshot-node").setBootId("boot").setFleet("default").build();
        AgentSettings agent = new AgentSettings(List.of("127.0.0.1:1", "127.0.0.1:2"), true, identity, "", Duration.ofSeconds(60));
        try (FleetNode node = FleetNode.start(PoolerSettings.defaults("127.0.0.1", 0).withEventLoopThreads(2), agent,
                new SnapshotStore(file, key))) {
            assertThat(node.config().hasConfig()).isTrue();
            assertThat(node.agent().connected()).isFalse();
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.port() + "/snap?sslmode=disable",
                    "snapper", "snap-pw"); ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("snap_db");
            }
        }
    }

    /** A PushApplier that writes snapshots, as FleetNode wires it. */
    private record ConfigHolderAndApplier(PushApplier applier) {
        static ConfigHolderAndApplier with(SnapshotStore store) {
            return new ConfigHolderAndApplier(new PushApplier(new io.pgfleet.dataplane.config.ConfigHolder(), store::writeQuietly));
        }
    }
}
