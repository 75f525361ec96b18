package io.pgfleet.dataplane.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * PgBouncer settings the node knows by name but does not act on, each with the reason an
 * operator sees at load. Keeping them apart from unknown keys tells a typo from a feature
 * that is missing, and makes sure neither is dropped silently.
 */
public final class UnimplementedSettings {
    private static final String NOT_YET = "not supported yet";
    private static final String LOGGING = "not needed: the node logs to standard output; set levels with quarkus.log.*";

    /** [pgbouncer] keys, by name. */
    public static final Map<String, String> PGBOUNCER = pgbouncer();

    /** Keys of a [databases] connection string. */
    public static final Map<String, String> DATABASE = Map.of(
            "connect_query", NOT_YET,
            "auth_user", NOT_YET + ": users come from auth_file only",
            "auth_query", NOT_YET + ": users come from auth_file only",
            "auth_dbname", NOT_YET + ": users come from auth_file only",
            "load_balance_hosts", NOT_YET + ": hosts of a list are tried in order",
            "target_session_attrs", NOT_YET,
            "query_wait_timeout", NOT_YET + " per database; the [pgbouncer] value applies");

    /** Keys of a [users] entry. */
    public static final Map<String, String> USER = Map.of(
            "query_wait_timeout", NOT_YET + " per user; the [pgbouncer] value applies");

    private UnimplementedSettings() {
    }

    private static Map<String, String> pgbouncer() {
        Map<String, String> m = new TreeMap<>();
        m.put("logfile", LOGGING);
        m.put("syslog", LOGGING);
        m.put("syslog_ident", LOGGING);
        m.put("syslog_facility", LOGGING);
        m.put("verbose", LOGGING);
        m.put("pidfile", "not needed: the node does not daemonize; run it under a supervisor");
        m.put("user", "not needed: start the node as the user it should run as");
        m.put("service_name", "not needed: Windows service registration");
        m.put("job_name", "not needed: Windows service registration");
        m.put("conffile", "not needed: the node reloads the file it was started with");
        m.put("pkt_buf", "not needed: Netty sizes its buffers itself");
        m.put("sbuf_loopcnt", "not needed: each connection is served by its event loop in turn");
        m.put("ignore_startup_parameters", "not needed: startup parameters the node does not track are accepted and"
                + " sent to the server");
        m.put("unix_socket_dir", NOT_YET + ": the node listens on TCP only");
        m.put("unix_socket_mode", NOT_YET + ": the node listens on TCP only");
        m.put("unix_socket_group", NOT_YET + ": the node listens on TCP only");
        m.put("listen_backlog", NOT_YET);
        m.put("auth_user", NOT_YET + ": users come from auth_file only");
        m.put("auth_query", NOT_YET + ": users come from auth_file only");
        m.put("auth_dbname", NOT_YET + ": users come from auth_file only");
        m.put("auth_ident_file", NOT_YET);
        m.put("auth_ldap_options", NOT_YET);
        m.put("scram_iterations", NOT_YET + ": verifiers derived from plaintext passwords use 4096 iterations");
        m.put("log_connections", NOT_YET);
        m.put("log_disconnections", NOT_YET);
        m.put("log_pooler_errors", NOT_YET);
        m.put("log_stats", NOT_YET);
        m.put("stats_period", NOT_YET + ": counters are exported live on /q/metrics");
        m.put("track_extra_parameters", NOT_YET);
        m.put("disable_pqexec", NOT_YET);
        m.put("application_name_add_host", NOT_YET);
        m.put("peer_id", NOT_YET + ": fleet nodes route cancel requests by the node slot in the cancel key");
        m.put("server_fast_close", NOT_YET);
        m.put("autodb_idle_timeout", NOT_YET);
        m.put("pool_idle_timeout", NOT_YET);
        m.put("dns_max_ttl", NOT_YET + ": host names are resolved by the JVM (networkaddress.cache.ttl)");
        m.put("dns_nxdomain_ttl", NOT_YET + ": host names are resolved by the JVM (networkaddress.cache.negative.ttl)");
        m.put("dns_zone_check_period", NOT_YET);
        m.put("resolv_conf", NOT_YET);
        m.put("query_wait_notify", NOT_YET);
        m.put("login_notify_message", NOT_YET);
        m.put("client_tls13_ciphers", NOT_YET);
        m.put("server_tls13_ciphers", NOT_YET);
        m.put("client_tls_ecdhcurve", NOT_YET);
        m.put("client_tls_dheparams", NOT_YET);
        m.put("tcp_keepalive", NOT_YET);
        m.put("tcp_keepcnt", NOT_YET);
        m.put("tcp_keepidle", NOT_YET);
        m.put("tcp_keepintvl", NOT_YET);
        m.put("tcp_user_timeout", NOT_YET);
        m.put("tcp_defer_accept", NOT_YET);
        m.put("tcp_socket_buffer", NOT_YET);
        return Map.copyOf(m);
    }
}
