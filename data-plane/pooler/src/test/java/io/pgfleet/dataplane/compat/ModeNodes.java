package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.pool.PoolSessionStats;
import io.pgfleet.testkit.Postgres;
import io.pgfleet.testkit.TestNode;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One node per pool mode for a compatibility test class, each with its own database and user
 * on the shared PostgreSQL: pool_size 2 and one event loop, so the pool hands out the most
 * recently released server and a client that holds one sends the next client to the other.
 */
final class ModeNodes implements AutoCloseable {
    static final int POOL_SIZE = 2;

    private final Map<PoolMode, TestNode> nodes = new EnumMap<>(PoolMode.class);

    private ModeNodes() {
    }

    /** Nodes named {@code <prefix>_session}, {@code <prefix>_transaction}, {@code <prefix>_statement}. */
    static ModeNodes start(String prefix) {
        return start(prefix, (mode, settings) -> {
        });
    }

    /** As {@link #start(String)}, with more settings per mode after pool_mode and pool_size. */
    static ModeNodes start(String prefix, BiConsumer<PoolMode, PoolerConfig.Builder> more) {
        ModeNodes started = new ModeNodes();
        try {
            for (PoolMode mode : PoolMode.values()) {
                started.nodes.put(mode, TestNode.start(Postgres.shared(), prefix + "_" + mode.iniName(), List.of("user"), s -> {
                    s.poolMode = mode;
                    s.defaultPoolSize = POOL_SIZE;
                    more.accept(mode, s);
                }, p -> p.withEventLoopThreads(1)));
            }
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        Compat.environment("PostgreSQL server", serverVersion(started.nodes.get(PoolMode.SESSION)));
        Compat.environment("Java (tests)", Runtime.version().toString());
        return started;
    }

    TestNode get(PoolMode mode) {
        return nodes.get(mode);
    }

    /** The pool's pin and refusal counters (null before a client used the pool). */
    static PoolSessionStats stats(TestNode node) {
        return node.pooler().pools().sessionStats(new PoolKey(node.database(), node.user()));
    }

    /** A superuser connection straight to PostgreSQL, in the node's database: the ground truth. */
    static Connection direct(TestNode node) throws SQLException {
        return node.postgres().connectAsSuperuser(node.database());
    }

    private static String serverVersion(TestNode node) {
        try (Connection c = node.postgres().connectAsSuperuser("postgres");
             ResultSet rs = c.createStatement().executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        nodes.values().forEach(TestNode::close);
    }
}
