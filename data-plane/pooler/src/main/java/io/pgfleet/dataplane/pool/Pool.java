package io.pgfleet.dataplane.pool;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.dataplane.server.ServerLogin;
import io.pgfleet.dataplane.session.StatementRegistry;
import io.pgfleet.dataplane.stats.PoolStats;

import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Map;

/**
 * The state of one (database, user) pool: its server connections and the clients waiting
 * for one. Every field is guarded by the {@link PoolManager}'s lock; the logic is there.
 */
public final class Pool {
    /** A client in line for a server, with when it joined (for query_wait_timeout and FIFO across pools). */
    record Waiter(PoolClient client, long sinceNanos) {
    }

    final PoolManager manager;
    final PoolKey key;
    NodeConfig configSeen;
    /** The database left the config: no server opens for it until it comes back. */
    boolean removed;
    DatabaseTarget target;
    UserEntry user;
    PoolSettings settings;

    final ArrayDeque<PooledServer> idle = new ArrayDeque<>();
    /** Every logged-in server of the pool, active or idle, in login order (for the admin console). */
    final Set<PooledServer> servers = new LinkedHashSet<>();
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    final PoolSessionStats sessionStats = new PoolSessionStats();
    /** Traffic since the node started: SHOW STATS counters and latency histograms. */
    final PoolStats stats;
    /** The pool's prepared statements: its clients share them, its servers prepare them. */
    private final StatementRegistry statements = new StatementRegistry();
    int active;
    int connecting;
    int clients;
    /** Bumped when the upstream or the way to log in to it changes. */
    int generation;

    /** ParameterStatus values of the last server login: what a new client is told at login. */
    Map<String, String> welcomeParameters;
    /** The last server login failure and when, for server_login_retry. */
    long loginFailedAtNanos;
    String loginFailureState;
    String loginFailureMessage;
    /** SCRAM keys recovered from a client's proof, to log in to the server without a password. */
    ServerLogin.ScramKeys passthroughKeys;

    Pool(PoolManager manager, PoolKey key) {
        this.manager = manager;
        this.key = key;
        this.stats = new PoolStats(manager.latencyObservers().forPool(key));
    }

    int total() {
        return idle.size() + active + connecting;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    public StatementRegistry statementRegistry() {
        return statements;
    }

    public PoolStats stats() {
        return stats;
    }

    public PoolSessionStats sessionStats() {
        return sessionStats;
    }

    public DatabaseTarget target() {
        return target;
    }

    /** Counts for tests and, later, SHOW POOLS. Taken under the manager's lock. */
    public record Snapshot(int idle, int active, int connecting, int waiting, int clients) {
    }
}
