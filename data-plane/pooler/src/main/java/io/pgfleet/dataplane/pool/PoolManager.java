package io.pgfleet.dataplane.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import io.pgfleet.dataplane.server.ServerConnection;
import io.pgfleet.dataplane.server.ServerConnector;
import io.pgfleet.dataplane.server.ServerLogin;
import io.pgfleet.dataplane.stats.NodeCounters;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import io.pgfleet.dataplane.stats.LatencyObserver;

/**
 * Every pool of a node, and the limits across them (max_db_connections,
 * max_user_connections, the client limits). One lock guards all of it: each operation
 * holds it for a few field updates, never for I/O, and one lock makes the cross-pool
 * limits and first-come-first-served order easy to get right. Work that touches a
 * channel (opening, resetting, handing over) runs after the lock is released.
 */
public final class PoolManager {
    private static final Logger LOG = Logger.getLogger(PoolManager.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final ServerConnector connector;
    private final EventLoopGroup loops;
    private final NodeCounters counters;
    private final Map<PoolKey, Pool> pools = new LinkedHashMap<>();
    private final Map<String, Integer> serversPerDatabase = new HashMap<>();
    private final Map<String, Integer> serversPerUser = new HashMap<>();
    private final Map<String, Integer> clientsPerDatabase = new HashMap<>();
    private final Map<String, Integer> clientsPerUser = new HashMap<>();
    private boolean paused;
    /** Databases paused by the admin console's PAUSE db or KILL db (PgBouncer's db_paused). */
    private final Set<String> pausedDatabases = new HashSet<>();
    /** Databases whose new client logins are refused (DISABLE db). */
    private final Set<String> disabledDatabases = new HashSet<>();
    private volatile boolean draining;
    private volatile LatencyObserver.Factory latencyObservers = LatencyObserver.Factory.NONE;
    private ScheduledFuture<?> janitor;

    public PoolManager(ServerConnector connector, EventLoopGroup loops, NodeCounters counters) {
        this.connector = connector;
        this.loops = loops;
        this.counters = counters;
    }

    /** Who sees each latency as pools record it (the node's metrics): the pools there are and those made later. */
    public void latencyObservers(LatencyObserver.Factory factory) {
        lock.lock();
        try {
            this.latencyObservers = factory;
            pools.values().forEach(p -> p.stats.observeWith(factory.forPool(p.key)));
        } finally {
            lock.unlock();
        }
    }

    LatencyObserver.Factory latencyObservers() {
        return latencyObservers;
    }

    /** Starts the once-a-second sweep for idle/lifetime limits, min_pool_size and reserve pools. */
    public void start() {
        janitor = loops.next().scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    public void stop() {
        if (janitor != null) {
            janitor.cancel(false);
        }
    }

    // ---- clients ---------------------------------------------------------------------------

    /**
     * The pool for a client that logged in, counted against the client limits.
     *
     * @throws PgProtocolException 53300 naming the limit when the client is one too many
     */
    public Pool registerClient(NodeConfig config, DatabaseTarget target, UserEntry user, String userName) {
        lock.lock();
        try {
            if (disabledDatabases.contains(target.name())) {
                // PgBouncer's words and SQLSTATE for a login to a DISABLEd database
                throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "database \"" + target.name() + "\" is disabled");
            }
            Pool pool = pools.computeIfAbsent(new PoolKey(target.name(), userName), k -> new Pool(this, k));
            refresh(pool, config, target, user);
            PoolSettings s = pool.settings;
            if (s.maxDbClientConnections() > 0 && clientsPerDatabase.getOrDefault(target.name(), 0) >= s.maxDbClientConnections()) {
                throw new PgProtocolException(SqlState.TOO_MANY_CONNECTIONS, "too many client connections for database \""
                        + target.name() + "\" (max_db_client_connections=" + s.maxDbClientConnections() + ")");
            }
            if (s.maxUserClientConnections() > 0 && clientsPerUser.getOrDefault(userName, 0) >= s.maxUserClientConnections()) {
                throw new PgProtocolException(SqlState.TOO_MANY_CONNECTIONS, "too many client connections for user \""
                        + userName + "\" (max_user_client_connections=" + s.maxUserClientConnections() + ")");
            }
            clientsPerDatabase.merge(target.name(), 1, Integer::sum);
            clientsPerUser.merge(userName, 1, Integer::sum);
            pool.clients++;
            return pool;
        } finally {
            lock.unlock();
        }
    }

    public void unregisterClient(Pool pool) {
        lock.lock();
        try {
            pool.clients--;
            clientsPerDatabase.merge(pool.key.database(), -1, Integer::sum);
            clientsPerUser.merge(pool.key.user(), -1, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    /** Remembers SCRAM keys recovered from a client's proof for logins to the server. */
    public void offerPassthroughKeys(Pool pool, ServerLogin.ScramKeys keys) {
        lock.lock();
        try {
            pool.passthroughKeys = keys;
        } finally {
            lock.unlock();
        }
    }

    /** What a new client of the pool is told at login, or null until a server has logged in. */
    public Map<String, String> welcomeParameters(Pool pool) {
        lock.lock();
        try {
            return pool.welcomeParameters;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks for a server. The answer comes on the client's loop: {@link PoolClient#serverReady}
     * or {@link PoolClient#serverUnavailable}. Clients are served first come, first served.
     */
    public void acquire(Pool pool, PoolClient client, NodeConfig config) {
        List<Runnable> after = new ArrayList<>(2);
        lock.lock();
        try {
            DatabaseTarget target = config.database(pool.key.database());
            if (target == null) {
                after.add(() -> unavailable(client, SqlState.INVALID_CATALOG_NAME,
                        "database \"" + pool.key.database() + "\" no longer exists on this node"));
                return;
            }
            refresh(pool, config, target, config.user(pool.key.user()));
            if (!paused(pool) && pool.waiters.isEmpty()) {
                PooledServer server = takeIdle(pool, client.eventLoop());
                if (server != null) {
                    server.owner(client);
                    after.add(() -> prepare(server, client));
                    return;
                }
                if (pool.total() == 0 && inLoginRetry(pool)) {
                    String message = "server login has been failing, try again later (server_login_retry): " + pool.loginFailureMessage;
                    String state = pool.loginFailureState;
                    after.add(() -> unavailable(client, state, message));
                    return;
                }
            }
            pool.waiters.addLast(new Pool.Waiter(client, System.nanoTime()));
            launchIfNeeded(pool, after);
        } finally {
            lock.unlock();
            after.forEach(Runnable::run);
        }
    }

    /**
     * A new config is in: every pool takes it now, so idle servers of a changed upstream
     * close at once, and servers of a removed database close (busy ones when released) and
     * its waiting clients hear 3D000. Clients that are not waiting learn at their next
     * transaction ({@link #acquire}).
     */
    public void configChanged(NodeConfig config) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            for (Pool pool : pools.values()) {
                if (pool.configSeen == null) {
                    continue;
                }
                DatabaseTarget target = config.database(pool.key.database());
                if (target != null) {
                    refresh(pool, config, target, config.user(pool.key.user()));
                    launchIfNeeded(pool, after);
                } else if (!pool.removed) {
                    pool.removed = true;
                    pool.configSeen = config;
                    markAllForClose(pool);
                    String message = "database \"" + pool.key.database() + "\" no longer exists on this node";
                    for (Pool.Waiter waiter : pool.waiters) {
                        after.add(() -> unavailable(waiter.client(), SqlState.INVALID_CATALOG_NAME, message));
                    }
                    pool.waiters.clear();
                }
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /** Takes a client out of line (it left or timed out). False when a server is already on its way. */
    public boolean withdraw(Pool pool, PoolClient client) {
        lock.lock();
        try {
            return pool.waiters.removeIf(w -> w.client() == client);
        } finally {
            lock.unlock();
        }
    }


    /**
     * A client gives its server back. {@code clean} means the server is idle and outside a
     * transaction; anything else closes it, since its state is unknown. {@code reset} runs
     * server_reset_query first (session end, or server_reset_query_always).
     */
    public void release(PooledServer server, boolean clean, boolean reset) {
        server.owner(null);
        if (!clean) {
            closeServer(server);
            return;
        }
        String resetQuery = server.pool.settings.serverResetQuery();
        if (reset && resetQuery != null) {
            server.runQuery(resetQuery, error -> {
                if (error != null) {
                    LOG.infof("%s: server_reset_query failed, closing: %s", server, error);
                    closeServer(server);
                } else {
                    returnToPool(server); // the reset's command tags told the server what it dropped
                }
            });
        } else {
            returnToPool(server);
        }
    }

    /** Marks a server as the target of a cancel in flight; false when the client no longer holds it. */
    public boolean beginCancel(PooledServer server, PoolClient client) {
        lock.lock();
        try {
            if (server.owner() != client || server.state == PooledServer.State.CLOSED) {
                return false;
            }
            server.cancelsInFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The cancel connection finished; a server released meanwhile goes back to the pool now. */
    public void endCancel(PooledServer server) {
        boolean release;
        lock.lock();
        try {
            server.cancelsInFlight--;
            release = server.cancelsInFlight == 0 && server.releaseAfterCancel;
            server.releaseAfterCancel = false;
        } finally {
            lock.unlock();
        }
        if (release) {
            returnToPool(server);
        }
    }

    public long cancelWaitTimeoutNanos(PooledServer server) {
        return server.pool.settings.cancelWaitTimeoutNanos();
    }

    // ---- pause, drain --------------------------------------------------------------------

    /** New transactions wait; running ones finish and their servers close, as PgBouncer's PAUSE. */
    public void pause() {
        List<PooledServer> toClose = new ArrayList<>();
        lock.lock();
        try {
            paused = true;
            pools.values().forEach(p -> {
                toClose.addAll(p.idle);
            });
        } finally {
            lock.unlock();
        }
        toClose.forEach(PooledServer::close);
    }

    public void resume() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            paused = false;
            pools.values().forEach(p -> launchIfNeeded(p, after));
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }


    // ---- admin console controls (PAUSE db, RESUME db, RECONNECT, DISABLE, KILL) ---------

    /** Whether new transactions of the pool wait: the node or the pool's database is paused. Under the lock. */
    private boolean paused(Pool pool) {
        return paused || pausedDatabases.contains(pool.key.database());
    }

    /**
     * PAUSE db: new transactions of the database wait; its idle servers close now and the
     * others as they are released (see {@link #serversOf}).
     */
    public void pause(String database) {
        List<PooledServer> toClose = new ArrayList<>();
        lock.lock();
        try {
            pausedDatabases.add(database);
            for (Pool p : pools.values()) {
                if (p.key.database().equals(database)) {
                    toClose.addAll(p.idle);
                }
            }
            toClose.forEach(this::removeCounted);
        } finally {
            lock.unlock();
        }
        toClose.forEach(PooledServer::close);
    }

    /** RESUME db: the database's waiting clients get servers again. False when it was not paused. */
    public boolean resume(String database) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (!pausedDatabases.remove(database)) {
                return false;
            }
            pools.values().forEach(p -> launchIfNeeded(p, after));
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        return true;
    }

    /** RESUME without a database: the node and every paused database. */
    public void resumeAll() {
        lock.lock();
        try {
            pausedDatabases.clear();
        } finally {
            lock.unlock();
        }
        resume();
    }

    /**
     * Server connections (open or logging in) of the databases {@code database} accepts,
     * over all users: what PAUSE waits to reach zero.
     */
    public int serversOf(Predicate<String> database) {
        lock.lock();
        try {
            int n = 0;
            for (Pool p : pools.values()) {
                if (database.test(p.key.database())) {
                    n += p.total();
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * RECONNECT: every server of the databases {@code database} accepts closes once it is
     * released (idle ones now); new servers open as needed.
     */
    public void reconnect(Predicate<String> database) {
        lock.lock();
        try {
            for (Pool p : pools.values()) {
                if (database.test(p.key.database())) {
                    markAllForClose(p);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Servers still waiting to close after RECONNECT or a changed target (close_needed): what WAIT_CLOSE waits for. */
    public int closeNeeded(Predicate<String> database) {
        lock.lock();
        try {
            int n = 0;
            for (Pool p : pools.values()) {
                if (database.test(p.key.database())) {
                    for (PooledServer server : p.servers) {
                        if (server.generation != p.generation) {
                            n++;
                        }
                    }
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** DISABLE db (true) or ENABLE db (false): whether new clients may log in to the database. */
    public void disabled(String database, boolean disabled) {
        lock.lock();
        try {
            if (disabled) {
                disabledDatabases.add(database);
            } else {
                disabledDatabases.remove(database);
            }
        } finally {
            lock.unlock();
        }
    }

    /** What the admin console shows of PAUSE and DISABLE: taken under the lock. */
    public AdminState adminState() {
        lock.lock();
        try {
            return new AdminState(paused, Set.copyOf(pausedDatabases), Set.copyOf(disabledDatabases));
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param paused            the whole node is paused (PAUSE without a database)
     * @param pausedDatabases   databases paused by PAUSE db or KILL db
     * @param disabledDatabases databases DISABLEd
     */
    public record AdminState(boolean paused, Set<String> pausedDatabases, Set<String> disabledDatabases) {
        public static final AdminState NONE = new AdminState(false, Set.of(), Set.of());

        public boolean paused(String database) {
            return paused || pausedDatabases.contains(database);
        }
    }

    /** Servers are closed as they are released; no new ones are opened. */
    public void drain() {
        List<PooledServer> toClose = new ArrayList<>();
        lock.lock();
        try {
            draining = true;
            pools.values().forEach(p -> toClose.addAll(p.idle));
        } finally {
            lock.unlock();
        }
        toClose.forEach(PooledServer::close);
    }

    public boolean draining() {
        return draining;
    }

    /** Pins and prepared statements of one pool; null before its first client. */
    public PoolSessionStats sessionStats(PoolKey key) {
        lock.lock();
        try {
            Pool p = pools.get(key);
            return p == null ? null : p.sessionStats;
        } finally {
            lock.unlock();
        }
    }

    /** Pins and prepared statements summed over every pool of the node. */
    public PoolSessionStats.Totals sessionTotals() {
        lock.lock();
        try {
            PoolSessionStats.Totals totals = PoolSessionStats.Totals.ZERO;
            for (Pool p : pools.values()) {
                totals = totals.plus(p.sessionStats);
            }
            return totals;
        } finally {
            lock.unlock();
        }
    }

    public Pool.Snapshot snapshot(PoolKey key) {
        lock.lock();
        try {
            Pool p = pools.get(key);
            return p == null ? new Pool.Snapshot(0, 0, 0, 0, 0)
                    : new Pool.Snapshot(p.idle.size(), p.active, p.connecting, p.waiters.size(), p.clients);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every pool of the node with its counts and servers, for the admin console (SHOW POOLS,
     * SERVERS, STATS, ...). Taken under the lock; pools in the order they were made.
     */
    public List<PoolView> views() {
        long now = System.nanoTime();
        lock.lock();
        try {
            List<PoolView> views = new ArrayList<>(pools.size());
            for (Pool p : pools.values()) {
                Pool.Waiter head = p.waiters.peekFirst();
                List<PoolView.ServerView> servers = new ArrayList<>(p.servers.size());
                int beingCanceled = 0;
                for (PooledServer server : p.servers) {
                    String state;
                    if (server.state == PooledServer.State.IDLE) {
                        state = "idle";
                    } else if (server.cancelsInFlight > 0 && server.releaseAfterCancel) {
                        state = "being_canceled";
                        beingCanceled++;
                    } else {
                        state = "active";
                    }
                    boolean expired = p.settings.serverLifetimeNanos() > 0
                            && now - server.createdNanos >= p.settings.serverLifetimeNanos();
                    servers.add(new PoolView.ServerView(server, p.target.serverUser() != null ? p.target.serverUser() : p.key.user(),
                            p.key.database(), state, server.address(), server.localAddress(), server.createdNanos,
                            server.state == PooledServer.State.IDLE ? server.idleSinceNanos : now,
                            expired || server.generation != p.generation, server.processId(), server.encrypted(),
                            server.state == PooledServer.State.IDLE ? null : server.owner(), server.preparedCount()));
                }
                views.add(new PoolView(p.key, p.target, p.settings.poolMode(), p.clients, p.waiters.size(),
                        head == null ? 0 : now - head.sinceNanos(), p.active, beingCanceled, p.idle.size(), p.connecting,
                        p.settings.serverLifetimeNanos(), p.settings.poolSize() + p.settings.reservePoolSize(),
                        p.sessionStats.pinnedClients(), p.stats.totals(p.sessionStats.statementPreparesTotal()), p.stats,
                        servers));
            }
            return views;
        } finally {
            lock.unlock();
        }
    }

    /** Whether PAUSE is in effect (the admin console's SHOW DATABASES, SHOW STATE). */
    public boolean paused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    /** Server connections of a user over all databases (open or opening), as max_user_connections counts them. */
    public int serversOfUser(String user) {
        return countOf(serversPerUser, user);
    }

    /** Server connections of a database over all users (open or opening), as max_db_connections counts them. */
    public int serversOfDatabase(String database) {
        return countOf(serversPerDatabase, database);
    }

    private int countOf(Map<String, Integer> counts, String key) {
        lock.lock();
        try {
            return counts.getOrDefault(key, 0);
        } finally {
            lock.unlock();
        }
    }

    // ---- internals -------------------------------------------------------------------------

    private void refresh(Pool pool, NodeConfig config, DatabaseTarget target, UserEntry user) {
        if (pool.configSeen == config) {
            return;
        }
        DatabaseTarget before = pool.target;
        NodeConfig configBefore = pool.configSeen;
        pool.removed = false;
        pool.configSeen = config;
        pool.target = target;
        pool.user = user;
        pool.settings = PoolSettings.resolve(config.pooler(), target, user);
        if (before != null && (!sameServers(before, target)
                || !before.serverTls(configBefore.pooler().serverTls()).equals(target.serverTls(config.pooler().serverTls()))
                || !Objects.equals(passwordOf(configBefore.user(pool.key.user())), passwordOf(user)))) {
            // The upstream or how to reach it changed: old servers drain as they are
            // released, and an old login failure says nothing about the new target.
            markAllForClose(pool);
            pool.welcomeParameters = null;
            pool.loginFailedAtNanos = 0;
        }
    }

    /** Servers of an older generation close when released; idle ones close now. Under the lock. */
    private void markAllForClose(Pool pool) {
        pool.generation++;
        List<PooledServer> idle = List.copyOf(pool.idle);
        idle.forEach(this::removeCounted);
        idle.forEach(s -> s.channel().eventLoop().execute(s::close));
    }

    private static String passwordOf(UserEntry user) {
        return user == null ? null : user.password();
    }

    private static boolean sameServers(DatabaseTarget a, DatabaseTarget b) {
        return a.hosts().equals(b.hosts()) && a.dbname().equals(b.dbname()) && Objects.equals(a.serverUser(), b.serverUser())
                && Objects.equals(a.serverPassword(), b.serverPassword()) && a.serverParameters().equals(b.serverParameters());
    }

    /** An idle server, preferring one on the client's own loop so relaying stays on one thread. Under the lock. */
    private PooledServer takeIdle(Pool pool, EventLoop preferred) {
        PooledServer chosen = null;
        int scanned = 0;
        for (Iterator<PooledServer> it = pool.idle.iterator(); it.hasNext() && scanned < 8; scanned++) {
            PooledServer candidate = it.next();
            if (candidate.channel().eventLoop() == preferred) {
                chosen = candidate;
                it.remove();
                break;
            }
        }
        if (chosen == null) {
            chosen = pool.idle.pollFirst();
        }
        if (chosen != null) {
            chosen.state = PooledServer.State.ACTIVE;
            pool.active++;
        }
        return chosen;
    }

    private boolean inLoginRetry(Pool pool) {
        return pool.loginFailedAtNanos != 0 && System.nanoTime() - pool.loginFailedAtNanos < pool.settings.serverLoginRetryNanos();
    }

    /** Opens servers for waiting clients while the limits allow. Under the lock; I/O goes to {@code after}. */
    private void launchIfNeeded(Pool pool, List<Runnable> after) {
        if (paused(pool) || draining || pool.removed) {
            return;
        }
        while (pool.waiters.size() > pool.connecting) {
            if (!mayOpen(pool, true, after)) {
                return;
            }
            EventLoop loop = pool.waiters.peekFirst().client().eventLoop();
            startConnect(pool, loop, after);
        }
    }

    /**
     * Whether one more server may open for the pool. The reserve pool counts when the
     * oldest waiter has waited reserve_pool_timeout. At max_db_connections or
     * max_user_connections an idle server of another pool of the same database or user is
     * closed to make room, so a busy pool cannot starve another. Under the lock.
     */
    private boolean mayOpen(Pool pool, boolean forWaiter, List<Runnable> after) {
        PoolSettings s = pool.settings;
        if (inLoginRetry(pool)) {
            return false;
        }
        int limit = s.poolSize();
        Pool.Waiter head = pool.waiters.peekFirst();
        if (forWaiter && head != null && s.reservePoolSize() > 0
                && System.nanoTime() - head.sinceNanos() >= s.reservePoolTimeoutNanos()) {
            limit += s.reservePoolSize();
        }
        if (pool.total() >= limit) {
            return false;
        }
        if (s.maxDbConnections() > 0 && serversPerDatabase.getOrDefault(pool.key.database(), 0) >= s.maxDbConnections()
                && !evictIdle(pool, true, after)) {
            return false;
        }
        return s.maxUserConnections() <= 0 || serversPerUser.getOrDefault(pool.key.user(), 0) < s.maxUserConnections()
                || evictIdle(pool, false, after);
    }

    private boolean evictIdle(Pool needy, boolean sameDatabase, List<Runnable> after) {
        for (Pool other : pools.values()) {
            boolean related = sameDatabase ? other.key.database().equals(needy.key.database()) : other.key.user().equals(needy.key.user());
            if (other != needy && related && !other.idle.isEmpty()) {
                PooledServer victim = other.idle.pollLast();
                removeCounted(victim);
                after.add(victim::close);
                return true;
            }
        }
        return false;
    }

    private void startConnect(Pool pool, EventLoop loop, List<Runnable> after) {
        pool.connecting++;
        serversPerDatabase.merge(pool.key.database(), 1, Integer::sum);
        serversPerUser.merge(pool.key.user(), 1, Integer::sum);
        DatabaseTarget target = pool.target;
        ServerLogin login = serverLogin(pool);
        int generation = pool.generation;
        java.time.Duration connectTimeout = pool.configSeen.pooler().serverConnectTimeout();
        after.add(() -> {
            Future<ServerConnection> connecting = connector.connect(loop, target, login, connectTimeout);
            connecting.addListener(f -> {
                if (f.isSuccess()) {
                    connected(pool, connecting.getNow(), login.startupParameters(), generation);
                } else {
                    connectFailed(pool, f.cause());
                }
            });
        });
    }

    private static ServerLogin serverLogin(Pool pool) {
        DatabaseTarget target = pool.target;
        boolean forcedUser = target.serverUser() != null;
        String user = forcedUser ? target.serverUser() : pool.key.user();
        String password = forcedUser ? target.serverPassword() : pool.user == null ? null : pool.user.password();
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", target.dbname());
        parameters.putAll(target.serverParameters());
        return new ServerLogin(user, target.dbname(), parameters, password, forcedUser ? null : pool.passthroughKeys);
    }

    private void connected(Pool pool, ServerConnection connection, Map<String, String> startupParameters, int generation) {
        Map<String, String> loginParameters = new HashMap<>(startupParameters);
        loginParameters.remove("user");
        loginParameters.remove("database");
        PooledServer server = new PooledServer(pool, connection, loginParameters, generation);
        counters.serverOpened();
        lock.lock();
        try {
            pool.connecting--;
            pool.active++;
            pool.servers.add(server);
            pool.loginFailedAtNanos = 0;
            pool.welcomeParameters = Map.copyOf(connection.parameters());
        } finally {
            lock.unlock();
        }
        returnToPool(server);
    }

    private void connectFailed(Pool pool, Throwable cause) {
        String state = cause instanceof PgProtocolException pe ? pe.sqlState() : SqlState.CONNECTION_FAILURE;
        String message = cause instanceof PgProtocolException ? cause.getMessage() : "could not connect to server";
        LOG.infof("pool %s: server login failed: %s %s", pool.key, state, message);
        List<Pool.Waiter> failed = new ArrayList<>();
        lock.lock();
        try {
            pool.connecting--;
            serversPerDatabase.merge(pool.key.database(), -1, Integer::sum);
            serversPerUser.merge(pool.key.user(), -1, Integer::sum);
            pool.loginFailedAtNanos = System.nanoTime();
            pool.loginFailureState = state;
            pool.loginFailureMessage = message;
            if (pool.total() == 0) {
                // No server will come before server_login_retry: waiting clients hear why now.
                failed.addAll(pool.waiters);
                pool.waiters.clear();
            }
        } finally {
            lock.unlock();
        }
        failed.forEach(w -> unavailable(w.client(), state, message));
    }

    /**
     * A server the pool holds as active goes to the first waiter, or becomes idle, or
     * closes (lifetime over, upstream changed, pause, drain, limits elsewhere).
     */
    private void returnToPool(PooledServer server) {
        Pool pool = server.pool;
        List<Runnable> after = new ArrayList<>(2);
        lock.lock();
        try {
            if (server.state == PooledServer.State.CLOSED) {
                return;
            }
            if (server.cancelsInFlight > 0) {
                // A cancel for the previous client is still on its way: nobody else may get
                // this server until it has landed (or cancel_wait_timeout passed).
                server.releaseAfterCancel = true;
                return;
            }
            long now = System.nanoTime();
            PoolSettings s = pool.settings;
            boolean expired = s.serverLifetimeNanos() > 0 && now - server.createdNanos >= s.serverLifetimeNanos();
            if (expired || server.generation != pool.generation || draining || paused(pool)
                    || pools.get(pool.key) != pool) {
                removeCounted(server);
                after.add(server::close);
                pools.values().forEach(p -> launchIfNeeded(p, after));
                return;
            }
            Pool.Waiter head = paused(pool) ? null : pool.waiters.peekFirst();
            Pool starved = paused(pool) ? null : starvedElsewhere(pool, head);
            if (starved != null) {
                // Another pool of the same database or user has waited longer at a shared
                // limit: the slot is its turn, first come first served across pools, so a
                // busy pool cannot keep the limit for itself.
                removeCounted(server);
                after.add(server::close);
                launchIfNeeded(starved, after);
                pools.values().forEach(p -> launchIfNeeded(p, after));
                return;
            }
            if (head != null) {
                pool.waiters.pollFirst();
                server.owner(head.client());
                after.add(() -> prepare(server, head.client()));
                return;
            }
            pool.active--;
            server.state = PooledServer.State.IDLE;
            server.idleSinceNanos = now;
            if (s.serverRoundRobin()) {
                pool.idle.addLast(server);
            } else {
                pool.idle.addFirst(server);
            }
        } finally {
            lock.unlock();
            after.forEach(Runnable::run);
        }
    }

    /**
     * The pool whose client should get the slot of a server {@code pool} is giving back:
     * one of the same database or user, at a shared limit that is full, with a client
     * waiting that no connect is under way for, who came before {@code head} (any such
     * client when {@code head} is null), and room below its own pool_size. Null when none.
     * Under the lock.
     */
    private Pool starvedElsewhere(Pool pool, Pool.Waiter head) {
        PoolSettings s = pool.settings;
        boolean dbFull = s.maxDbConnections() > 0 && serversPerDatabase.getOrDefault(pool.key.database(), 0) >= s.maxDbConnections();
        boolean userFull = s.maxUserConnections() > 0 && serversPerUser.getOrDefault(pool.key.user(), 0) >= s.maxUserConnections();
        if (!dbFull && !userFull) {
            return null;
        }
        Pool chosen = null;
        long chosenSince = 0;
        for (Pool other : pools.values()) {
            if (other == pool || other.waiters.size() <= other.connecting || other.settings == null
                    || other.total() >= other.settings.poolSize()
                    || !((dbFull && other.key.database().equals(pool.key.database()))
                    || (userFull && other.key.user().equals(pool.key.user())))) {
                continue;
            }
            // The first waiters are the ones the connects under way are for.
            Iterator<Pool.Waiter> it = other.waiters.iterator();
            for (int i = 0; i < other.connecting; i++) {
                it.next();
            }
            long since = it.next().sinceNanos();
            boolean earlier = chosen == null ? head == null || since - head.sinceNanos() < 0 : since - chosenSince < 0;
            if (earlier) {
                chosen = other;
                chosenSince = since;
            }
        }
        return chosen;
    }

    /** Takes a server out of every count. Under the lock. */
    private void removeCounted(PooledServer server) {
        Pool pool = server.pool;
        switch (server.state) {
            case ACTIVE -> pool.active--;
            case IDLE -> pool.idle.remove(server);
            case CLOSED -> {
                return;
            }
        }
        server.state = PooledServer.State.CLOSED;
        pool.servers.remove(server);
        serversPerDatabase.merge(pool.key.database(), -1, Integer::sum);
        serversPerUser.merge(pool.key.user(), -1, Integer::sum);
    }

    private void closeServer(PooledServer server) {
        List<Runnable> after = new ArrayList<>(2);
        lock.lock();
        try {
            removeCounted(server);
            pools.values().forEach(p -> launchIfNeeded(p, after));
        } finally {
            lock.unlock();
        }
        server.close();
        after.forEach(Runnable::run);
    }

    /** The server's connection is gone (closed by us, the server or the network). */
    void serverClosed(PooledServer server) {
        counters.serverClosed();
        List<Runnable> after = new ArrayList<>(2);
        lock.lock();
        try {
            removeCounted(server);
            pools.values().forEach(p -> launchIfNeeded(p, after));
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /**
     * Gets a server ready for its next client on the server's loop: server_check_query after
     * server_check_delay of idleness, then SET for each session parameter the client expects
     * and the server does not have. Then hands it over on the client's loop.
     */
    private void prepare(PooledServer server, PoolClient client) {
        PoolSettings s = server.pool.settings;
        long idleFor = System.nanoTime() - server.idleSinceNanos;
        if (s.serverCheckQuery() != null && s.serverCheckDelayNanos() >= 0 && idleFor >= s.serverCheckDelayNanos()
                && server.idleSinceNanos != server.createdNanos) {
            server.runQuery(s.serverCheckQuery(), error -> {
                if (error != null) {
                    LOG.infof("%s failed server_check_query, closing: %s", server, error);
                    closeServer(server);
                    requeueFirst(server.pool, client);
                } else {
                    server.idleSinceNanos = System.nanoTime();
                    alignParameters(server, client);
                }
            });
            return;
        }
        alignParameters(server, client);
    }

    private void alignParameters(PooledServer server, PoolClient client) {
        SessionParameters.Alignment alignment = SessionParameters.align(client.wantedParameters(), server.parameters(), server.sessionSet());
        if (alignment.isEmpty()) {
            handOver(server, client);
            return;
        }
        server.runQuery(alignment.sql(), error -> {
            if (error != null) {
                release(server, true, false);
                unavailable(client, SqlState.PROTOCOL_VIOLATION, "could not apply the connection's parameters: " + error);
                return;
            }
            SessionParameters.settled(alignment, client.wantedParameters(), server);
            handOver(server, client);
        });
    }

    private static void handOver(PooledServer server, PoolClient client) {
        server.idleSinceNanos = System.nanoTime();
        if (client.eventLoop().inEventLoop()) {
            client.serverReady(server);
        } else {
            client.eventLoop().execute(() -> client.serverReady(server));
        }
    }

    private void requeueFirst(Pool pool, PoolClient client) {
        List<Runnable> after = new ArrayList<>(2);
        lock.lock();
        try {
            pool.waiters.addFirst(new Pool.Waiter(client, System.nanoTime()));
            launchIfNeeded(pool, after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    private static void unavailable(PoolClient client, String sqlState, String message) {
        if (client.eventLoop().inEventLoop()) {
            client.serverUnavailable(sqlState, message);
        } else {
            client.eventLoop().execute(() -> client.serverUnavailable(sqlState, message));
        }
    }

    /** Once a second: idle and lifetime limits, min_pool_size, reserve pools, login retries. */
    private void sweep() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            for (Pool pool : pools.values()) {
                PoolSettings s = pool.settings;
                if (s == null) {
                    continue;
                }
                int keep = s.minPoolSize();
                for (Iterator<PooledServer> it = pool.idle.descendingIterator(); it.hasNext(); ) {
                    PooledServer server = it.next();
                    boolean idleTooLong = s.serverIdleTimeoutNanos() > 0 && now - server.idleSinceNanos >= s.serverIdleTimeoutNanos()
                            && pool.total() > keep;
                    boolean tooOld = s.serverLifetimeNanos() > 0 && now - server.createdNanos >= s.serverLifetimeNanos();
                    if (idleTooLong || tooOld) {
                        it.remove();
                        server.state = PooledServer.State.CLOSED;
                        serversPerDatabase.merge(pool.key.database(), -1, Integer::sum);
                        serversPerUser.merge(pool.key.user(), -1, Integer::sum);
                        after.add(server::close);
                    }
                }
                launchIfNeeded(pool, after);
                while (!paused(pool) && !draining && !pool.removed && pool.total() < s.minPoolSize() && pool.clients > 0 && mayOpen(pool, false, after)) {
                    startConnect(pool, loops.next(), after);
                }
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }
}
