package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.pool.PoolView;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.pgfleet.dataplane.console.Column.int4;
import static io.pgfleet.dataplane.console.Column.int8;
import static io.pgfleet.dataplane.console.Column.text;

/**
 * The SHOW views, with PgBouncer 1.25's column names, order and units. Counters the node
 * does not keep yet are 0 (docs/admin-console.md lists them).
 */
public final class ConsoleViews {
    /** What SHOW VERSION says: the PgBouncer version whose console this one answers like. */
    public static final String VERSION = "PgBouncer 1.25.1 (pgfleet)";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** The views by SHOW argument, in the order SHOW HELP lists them. */
    static final Map<String, Function<ConsoleSnapshot, Table>> VIEWS = views();

    private ConsoleViews() {
    }

    private static Map<String, Function<ConsoleSnapshot, Table>> views() {
        Map<String, Function<ConsoleSnapshot, Table>> m = new LinkedHashMap<>();
        m.put("VERSION", ConsoleViews::version);
        m.put("POOLS", ConsoleViews::pools);
        m.put("DATABASES", ConsoleViews::databases);
        m.put("CLIENTS", ConsoleViews::clients);
        m.put("SERVERS", ConsoleViews::servers);
        m.put("USERS", ConsoleViews::users);
        StatsViews.register(m);
        m.put("LISTS", ConsoleViews::lists);
        m.put("CONFIG", ConsoleViews::config);
        m.put("MEM", MemoryView::mem);
        m.put("STATE", ConsoleViews::state);
        return m;
    }

    static Table version(ConsoleSnapshot s) {
        return new Table(text("version")).row(VERSION);
    }

    static Table pools(ConsoleSnapshot s) {
        Table t = new Table(text("database"), text("user"), int4("cl_active"), int4("cl_waiting"),
                int4("cl_active_cancel_req"), int4("cl_waiting_cancel_req"), int4("sv_active"), int4("sv_active_cancel"),
                int4("sv_being_canceled"), int4("sv_idle"), int4("sv_used"), int4("sv_tested"), int4("sv_login"),
                int4("maxwait"), int4("maxwait_us"), text("pool_mode"), text("load_balance_hosts"));
        for (PoolView p : s.pools()) {
            long waitMicros = p.maxWaitNanos() / 1000;
            t.row(p.key().database(), p.key().user(), p.clients() - p.waiting(), p.waiting(), 0, 0,
                    p.active() - p.beingCanceled(), 0, p.beingCanceled(), p.idle(), 0, 0, p.connecting(),
                    waitMicros / 1_000_000, waitMicros % 1_000_000, p.poolMode().iniName(), null);
        }
        return t;
    }

    static Table databases(ConsoleSnapshot s) {
        Table t = new Table(text("name"), text("host"), int4("port"), text("database"), text("force_user"),
                int4("pool_size"), int4("min_pool_size"), int4("reserve_pool_size"), int4("server_lifetime"),
                text("pool_mode"), text("load_balance_hosts"), int4("max_connections"), int4("current_connections"),
                int4("max_client_connections"), int4("current_client_connections"), int4("paused"), int4("disabled"));
        NodeConfig config = s.config();
        PoolerConfig g = config.pooler();
        Map<String, DatabaseTarget> targets = listedDatabases(config, s.pools());
        Map<String, int[]> counts = new HashMap<>(); // servers, clients
        for (PoolView p : s.pools()) {
            int[] c = counts.computeIfAbsent(p.key().database(), k -> new int[2]);
            c[0] += p.active() + p.idle() + p.connecting();
            c[1] += p.clients();
        }
        for (DatabaseTarget d : targets.values()) {
            PoolOverrides o = d.pool();
            int[] c = counts.getOrDefault(d.name(), new int[2]);
            HostAndPort first = d.hosts().get(0);
            String hosts = d.hosts().stream().map(HostAndPort::host).collect(Collectors.joining(","));
            long lifetime = (o.serverLifetime() != null ? o.serverLifetime() : g.serverLifetime()).toSeconds();
            t.row(d.name(), hosts, first.port(), d.dbname(), d.serverUser(),
                    o.poolSize() != null ? o.poolSize() : g.defaultPoolSize(),
                    o.minPoolSize() != null ? o.minPoolSize() : g.minPoolSize(),
                    o.reservePoolSize() != null ? o.reservePoolSize() : g.reservePoolSize(),
                    lifetime, o.poolMode() == null ? null : o.poolMode().iniName(), null,
                    o.maxServerConnections() != null ? o.maxServerConnections() : g.maxDbConnections(), c[0],
                    o.maxClientConnections() != null ? o.maxClientConnections() : g.maxDbClientConnections(), c[1],
                    s.state().paused(d.name()) ? 1 : 0, s.state().disabledDatabases().contains(d.name()) ? 1 : 0);
        }
        return t;
    }

    private static Table socketTable() {
        return new Table(text("type"), text("user"), text("database"), text("replication"), text("state"),
                text("addr"), int4("port"), text("local_addr"), int4("local_port"), text("connect_time"),
                text("request_time"), int4("wait"), int4("wait_us"), int4("close_needed"), text("ptr"), text("link"),
                int4("remote_pid"), text("tls"), text("application_name"), int4("prepared_statements"), int8("id"));
    }

    static Table clients(ConsoleSnapshot s) {
        Table t = socketTable();
        List<ClientView> all = new java.util.ArrayList<>(s.clients());
        all.addAll(s.consoleClients());
        for (ClientView c : all) {
            long waitMicros = c.waitNanos() / 1000;
            t.row("C", c.user(), c.database(), "none", c.state(), host(c.remote()), port(c.remote()),
                    host(c.local()), port(c.local()), time(c.connectedAtMillis()), time(c.lastRequestAtMillis()),
                    waitMicros / 1_000_000, waitMicros % 1_000_000, 0, ptr(c.identity()),
                    c.server() == null ? "" : ptr(c.server()), 0, c.tls() ? "TLS" : "", c.applicationName(),
                    c.preparedStatements(), c.processId());
        }
        return t;
    }

    static Table servers(ConsoleSnapshot s) {
        Map<Object, ClientView> clients = new HashMap<>();
        s.clients().forEach(c -> clients.put(c.identity(), c));
        Table t = socketTable();
        for (PoolView p : s.pools()) {
            for (PoolView.ServerView v : p.servers()) {
                ClientView owner = v.owner() == null ? null : clients.get(v.owner());
                t.row("S", v.user(), v.database(), "none", v.state(), host(v.remote()), port(v.remote()),
                        host(v.local()), port(v.local()), time(s.wallMillis(v.connectedNanos())),
                        time(s.wallMillis(v.lastUsedNanos())), 0, 0, v.closeNeeded() ? 1 : 0, ptr(v.identity()),
                        v.owner() == null ? "" : ptr(v.owner()), v.processId(), v.tls() ? "TLS" : "",
                        owner == null ? "" : owner.applicationName(), v.preparedStatements(),
                        Integer.toUnsignedLong(System.identityHashCode(v.identity())));
            }
        }
        return t;
    }

    /**
     * One row per user of the config (and per user with a pool the config does not list):
     * its [users] overrides (pool_size and reserve_pool_size as text, empty when not set, as
     * PgBouncer sends them), the limits in effect and its server and client connections.
     */
    static Table users(ConsoleSnapshot s) {
        Table t = new Table(text("name"), text("pool_size"), text("reserve_pool_size"), text("pool_mode"),
                int4("max_user_connections"), int4("current_connections"), int4("max_user_client_connections"),
                int4("current_client_connections"));
        PoolerConfig g = s.config().pooler();
        java.util.SortedMap<String, PoolOverrides> users = new java.util.TreeMap<>();
        s.config().users().values().forEach(u -> users.put(u.name(), u.pool()));
        s.pools().forEach(p -> users.putIfAbsent(p.key().user(), PoolOverrides.NONE));
        Map<String, int[]> counts = new HashMap<>(); // servers, clients
        for (PoolView p : s.pools()) {
            int[] c = counts.computeIfAbsent(p.key().user(), k -> new int[2]);
            c[0] += p.active() + p.idle() + p.connecting();
            c[1] += p.clients();
        }
        users.forEach((name, o) -> {
            int[] c = counts.getOrDefault(name, new int[2]);
            t.row(name, o.poolSize() == null ? "" : o.poolSize(), o.reservePoolSize() == null ? "" : o.reservePoolSize(),
                    o.poolMode() == null ? null : o.poolMode().iniName(),
                    o.maxServerConnections() != null ? o.maxServerConnections() : g.maxUserConnections(), c[0],
                    o.maxClientConnections() != null ? o.maxClientConnections() : g.maxUserClientConnections(), c[1]);
        });
        return t;
    }

    /** PgBouncer's pause modes: the node is active or paused (PAUSE without a database); it never suspends. */
    static Table state(ConsoleSnapshot s) {
        boolean paused = s.state().paused();
        return new Table(text("key"), text("value"))
                .row("active", paused ? "no" : "yes")
                .row("paused", paused ? "yes" : "no")
                .row("suspended", "no");
    }

    /**
     * The databases SHOW DATABASES lists, by name: the configured ones (sorted), then those the
     * "*" fallback made that have pools. The node's metrics list the same.
     */
    public static Map<String, DatabaseTarget> listedDatabases(NodeConfig config, List<PoolView> pools) {
        Map<String, DatabaseTarget> targets = new LinkedHashMap<>();
        config.databases().values().stream()
                .filter(d -> !d.name().equals(NodeConfig.FALLBACK_DATABASE))
                .sorted(java.util.Comparator.comparing(DatabaseTarget::name))
                .forEach(d -> targets.put(d.name(), d));
        for (PoolView p : pools) {
            targets.putIfAbsent(p.key().database(), p.target());
        }
        return targets;
    }

    static Table lists(ConsoleSnapshot s) {
        int servers = s.pools().stream().mapToInt(p -> p.active() + p.idle() + p.connecting()).sum();
        long databases = s.config().databases().keySet().stream()
                .filter(d -> !d.equals(NodeConfig.FALLBACK_DATABASE)).count();
        Table t = new Table(text("list"), int4("items"));
        t.row("databases", databases);
        t.row("users", s.config().users().size());
        t.row("peers", 0);
        t.row("pools", s.pools().size());
        t.row("peer_pools", 0);
        t.row("free_clients", 0);
        t.row("used_clients", s.clientCount());
        t.row("login_clients", 0);
        t.row("free_servers", 0);
        t.row("used_servers", servers);
        t.row("dns_names", 0);
        t.row("dns_zones", 0);
        t.row("dns_queries", 0);
        t.row("dns_pending", 0);
        return t;
    }

    static Table config(ConsoleSnapshot s) {
        Table t = new Table(text("key"), text("value"), text("default"), text("changeable"));
        for (ConsoleConfig.Setting setting : ConsoleConfig.settings(s.settings(), s.config())) {
            t.row(setting.key(), setting.value(), setting.defaultValue(), setting.changeable() ? "yes" : "no");
        }
        return t;
    }

    private static String host(InetSocketAddress address) {
        return address == null ? null : address.getAddress() != null ? address.getAddress().getHostAddress()
                : address.getHostString();
    }

    private static Integer port(InetSocketAddress address) {
        return address == null ? null : address.getPort();
    }

    private static String time(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    private static String ptr(Object o) {
        return "0x" + Integer.toHexString(System.identityHashCode(o));
    }

    /** Column names of each view, for docs and tests. */
    public static List<String> columns(String view) {
        return VIEWS.get(view).apply(ConsoleSnapshot.empty()).columnNames();
    }
}
