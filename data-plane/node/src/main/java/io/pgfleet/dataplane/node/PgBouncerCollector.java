package io.pgfleet.dataplane.node;

import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.pool.PoolView;
import io.pgfleet.dataplane.stats.PoolStats;
import io.pgfleet.dataplane.stats.ServiceCounters;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The node's pools under prometheus-community/pgbouncer_exporter's metric names, labels and
 * units, computed from one copy of the pools per scrape (the same numbers as SHOW POOLS,
 * SHOW STATS and SHOW DATABASES): dashboards and alert rules written for the exporter work
 * unchanged. Plus who the clients are: pgfleet_clients per application_name and
 * per-application transaction counters.
 *
 * <p>Differences from the exporter: client_maxwait_seconds keeps the fraction of a second
 * (the exporter drops maxwait_us); counters of a pool that a config change removed leave
 * their database's sums, which Prometheus reads as a counter reset, as with PgBouncer.
 */
final class PgBouncerCollector extends Collector {
    private static final Logger LOG = Logger.getLogger(PgBouncerCollector.class);
    /** At most this many (database, application_name) series of pgfleet_clients; the rest count as "(other)". */
    static final int MAX_CLIENT_NAMES = 100;
    private static final List<String> POOL = List.of("database", "user");
    private static final List<String> DATABASE = List.of("database");
    private static final List<String> DATABASES = List.of("name", "host", "port", "database", "force_user", "pool_mode");

    private final NodeProcess node;

    PgBouncerCollector(NodeProcess node) {
        this.node = node;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples> out = new ArrayList<>();
        GaugeMetricFamily up = new GaugeMetricFamily("pgbouncer_up", "The pooler answered: always 1 on a node's own endpoint", List.of());
        up.addMetric(List.of(), 1);
        out.add(up);
        if (node.pools() == null) {
            return out;
        }
        List<PoolView> pools = node.pools().views();
        pools(pools, out);
        stats(pools, out);
        NodeConfig config = node.currentConfig();
        if (config != null) {
            databases(config, pools, out);
        }
        services(pools, out);
        return out;
    }

    private static void pools(List<PoolView> pools, List<MetricFamilySamples> out) {
        GaugeMetricFamily clActive = gauge("pgbouncer_pools_client_active_connections",
                "Client connections linked to server connection and able to process queries, shown as connection");
        GaugeMetricFamily clWaiting = gauge("pgbouncer_pools_client_waiting_connections",
                "Client connections waiting on a server connection, shown as connection");
        GaugeMetricFamily svActive = gauge("pgbouncer_pools_server_active_connections",
                "Server connections linked to a client connection, shown as connection");
        GaugeMetricFamily svBeingCanceled = gauge("pgbouncer_pools_server_being_canceled_connections",
                "Servers waiting for the cancel requests sent for them to complete before they can be idle");
        GaugeMetricFamily svIdle = gauge("pgbouncer_pools_server_idle_connections",
                "Server connections idle and ready for a client query, shown as connection");
        GaugeMetricFamily svUsed = gauge("pgbouncer_pools_server_used_connections",
                "Server connections idle more than server_check_delay (a node checks none: always 0)");
        GaugeMetricFamily svTested = gauge("pgbouncer_pools_server_testing_connections",
                "Server connections running server_reset_query or server_check_query (a node runs none: always 0)");
        GaugeMetricFamily svLogin = gauge("pgbouncer_pools_server_login_connections",
                "Server connections currently in the process of logging in, shown as connection");
        GaugeMetricFamily maxWait = gauge("pgbouncer_pools_client_maxwait_seconds",
                "Age of oldest unserved client connection, shown as second (with its fraction)");
        for (PoolView p : pools) {
            List<String> labels = List.of(p.key().database(), p.key().user());
            clActive.addMetric(labels, p.clients() - p.waiting());
            clWaiting.addMetric(labels, p.waiting());
            svActive.addMetric(labels, p.active() - p.beingCanceled());
            svBeingCanceled.addMetric(labels, p.beingCanceled());
            svIdle.addMetric(labels, p.idle());
            svUsed.addMetric(labels, 0);
            svTested.addMetric(labels, 0);
            svLogin.addMetric(labels, p.connecting());
            maxWait.addMetric(labels, p.maxWaitNanos() / 1e9);
        }
        out.addAll(List.of(clActive, clWaiting, svActive, svBeingCanceled, svIdle, svUsed, svTested, svLogin, maxWait));
    }

    /** SHOW STATS is per database: the pools' totals summed per client database. */
    private static void stats(List<PoolView> pools, List<MetricFamilySamples> out) {
        Map<String, PoolStats.Totals> byDatabase = new TreeMap<>();
        for (PoolView p : pools) {
            byDatabase.merge(p.key().database(), p.totals(), PoolStats.Totals::plus);
        }
        CounterMetricFamily queries = counter("pgbouncer_stats_queries_pooled_total", "Total number of SQL queries pooled");
        CounterMetricFamily queryTime = counter("pgbouncer_stats_queries_duration_seconds_total",
                "Total number of seconds spent by the pooler when actively connected to PostgreSQL, executing queries");
        CounterMetricFamily received = counter("pgbouncer_stats_received_bytes_total",
                "Total volume in bytes of network traffic received by the pooler, shown as bytes");
        CounterMetricFamily sent = counter("pgbouncer_stats_sent_bytes_total",
                "Total volume in bytes of network traffic sent by the pooler, shown as bytes");
        CounterMetricFamily waitTime = counter("pgbouncer_stats_client_wait_seconds_total",
                "Time spent by clients waiting for a server in seconds");
        CounterMetricFamily transactions = counter("pgbouncer_stats_sql_transactions_pooled_total",
                "Total number of SQL transactions pooled");
        CounterMetricFamily transactionTime = counter("pgbouncer_stats_server_in_transaction_seconds_total",
                "Total number of seconds spent by the pooler when connected to PostgreSQL in a transaction, either idle in transaction or executing queries");
        byDatabase.forEach((database, t) -> {
            List<String> labels = List.of(database);
            queries.addMetric(labels, t.queries());
            queryTime.addMetric(labels, t.queryMicros() / 1e6);
            received.addMetric(labels, t.bytesReceived());
            sent.addMetric(labels, t.bytesSent());
            waitTime.addMetric(labels, t.waitMicros() / 1e6);
            transactions.addMetric(labels, t.transactions());
            transactionTime.addMetric(labels, t.transactionMicros() / 1e6);
        });
        out.addAll(List.of(queries, queryTime, received, sent, waitTime, transactions, transactionTime));
    }

    /** SHOW DATABASES: the configured databases, then those the "*" fallback made for pools. */
    private void databases(NodeConfig config, List<PoolView> pools, List<MetricFamilySamples> out) {
        PoolerConfig g = config.pooler();
        Map<String, DatabaseTarget> targets = io.pgfleet.dataplane.console.ConsoleViews.listedDatabases(config, pools);
        Map<String, Integer> servers = new HashMap<>();
        for (PoolView p : pools) {
            servers.merge(p.key().database(), p.active() + p.idle() + p.connecting(), Integer::sum);
        }
        GaugeMetricFamily poolSize = new GaugeMetricFamily("pgbouncer_databases_pool_size",
                "Maximum number of server connections", DATABASES);
        GaugeMetricFamily reservePool = new GaugeMetricFamily("pgbouncer_databases_reserve_pool",
                "Maximum number of additional connections for this database", DATABASES);
        GaugeMetricFamily maxConnections = new GaugeMetricFamily("pgbouncer_databases_max_connections",
                "Maximum number of allowed connections for this database", DATABASES);
        GaugeMetricFamily currentConnections = new GaugeMetricFamily("pgbouncer_databases_current_connections",
                "Current number of connections for this database", DATABASES);
        GaugeMetricFamily paused = new GaugeMetricFamily("pgbouncer_databases_paused",
                "1 if this database is currently paused, else 0", DATABASES);
        GaugeMetricFamily disabled = new GaugeMetricFamily("pgbouncer_databases_disabled",
                "1 if this database is currently disabled, else 0", DATABASES);
        io.pgfleet.dataplane.pool.PoolManager.AdminState admin = node.pools().adminState();
        for (DatabaseTarget d : targets.values()) {
            PoolOverrides o = d.pool();
            HostAndPort first = d.hosts().get(0);
            List<String> labels = List.of(d.name(),
                    d.hosts().stream().map(HostAndPort::host).collect(Collectors.joining(",")),
                    String.valueOf(first.port()), d.dbname(), d.serverUser() == null ? "" : d.serverUser(),
                    o.poolMode() == null ? "" : o.poolMode().iniName());
            poolSize.addMetric(labels, o.poolSize() != null ? o.poolSize() : g.defaultPoolSize());
            reservePool.addMetric(labels, o.reservePoolSize() != null ? o.reservePoolSize() : g.reservePoolSize());
            maxConnections.addMetric(labels, o.maxServerConnections() != null ? o.maxServerConnections() : g.maxDbConnections());
            currentConnections.addMetric(labels, servers.getOrDefault(d.name(), 0));
            paused.addMetric(labels, admin.paused(d.name()) ? 1 : 0);
            disabled.addMetric(labels, admin.disabledDatabases().contains(d.name()) ? 1 : 0);
        }
        out.addAll(List.of(poolSize, reservePool, maxConnections, currentConnections, paused, disabled));
    }

    /** Who uses the pools: clients now and transactions so far, per application_name. */
    private void services(List<PoolView> pools, List<MetricFamilySamples> out) {
        GaugeMetricFamily clients = new GaugeMetricFamily("pgfleet_clients",
                "Logged-in clients by database and application_name (at most " + MAX_CLIENT_NAMES
                        + " pairs; the rest as " + ServiceCounters.OTHER + ")", List.of("database", "application_name"));
        clientCounts().forEach((key, count) -> clients.addMetric(List.of(key.get(0), key.get(1)), count));
        out.add(clients);

        List<String> labels = List.of("database", "user", "application_name");
        CounterMetricFamily transactions = new CounterMetricFamily("pgfleet_service_transactions_total",
                "Transactions by pool and application_name (at most " + ServiceCounters.MAX_NAMES + " names per pool)", labels);
        CounterMetricFamily seconds = new CounterMetricFamily("pgfleet_service_transaction_seconds_total",
                "Transaction time by pool and application_name", labels);
        for (PoolView p : pools) {
            p.stats().services().snapshot().forEach((name, c) -> {
                List<String> values = List.of(p.key().database(), p.key().user(), name);
                transactions.addMetric(values, c.transactions());
                seconds.addMetric(values, c.transactionMicros() / 1e6);
            });
        }
        out.add(transactions);
        out.add(seconds);
    }

    private Map<List<String>, Integer> clientCounts() {
        List<ClientView> views;
        try {
            views = node.clients().views().get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debugf("pgfleet_clients left out of this scrape: %s", e.toString());
            return Map.of();
        }
        Map<List<String>, Integer> counts = new TreeMap<>(java.util.Comparator.comparing((List<String> k) -> k.get(0))
                .thenComparing(k -> k.get(1)));
        for (ClientView c : views) {
            String name = c.applicationName() == null ? "" : c.applicationName();
            List<String> key = List.of(c.database() == null ? "" : c.database(), name);
            if (counts.size() >= MAX_CLIENT_NAMES && !counts.containsKey(key)) {
                key = List.of(key.get(0), ServiceCounters.OTHER);
            }
            counts.merge(key, 1, Integer::sum);
        }
        return counts;
    }

    private static GaugeMetricFamily gauge(String name, String help) {
        return new GaugeMetricFamily(name, help, POOL);
    }

    private static CounterMetricFamily counter(String name, String help) {
        return new CounterMetricFamily(name, help, DATABASE);
    }
}
