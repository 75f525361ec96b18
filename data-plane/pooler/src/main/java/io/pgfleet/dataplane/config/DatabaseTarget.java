package io.pgfleet.dataplane.config;

import java.util.List;
import java.util.Map;

/**
 * What a client database name maps to: servers to connect to, the database on them, and
 * optionally a fixed login (PgBouncer's {@code user=} / {@code password=} in [databases]).
 *
 * @param serverUser     log in to the server as this user instead of the client's; may be null
 * @param serverPassword the password for {@code serverUser}; may be null
 * @param pool           pool settings this database sets for itself
 * @param serverParameters startup parameters every server connection of this database gets
 *                       (PgBouncer's client_encoding, datestyle, timezone, application_name keys)
 * @param serverTls      TLS towards this database's servers (an upstream's tls_mode and CA); null = the node's
 *                       server_tls settings, as for every pgbouncer.ini database
 */
public record DatabaseTarget(String name, List<HostAndPort> hosts, String dbname, String serverUser, String serverPassword,
                             PoolOverrides pool, Map<String, String> serverParameters, TlsSettings serverTls) {
    public DatabaseTarget {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("database name must not be empty");
        }
        if (hosts == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("database " + name + " has no host");
        }
        hosts = List.copyOf(hosts);
        pool = pool == null ? PoolOverrides.NONE : pool;
        serverParameters = serverParameters == null ? Map.of() : Map.copyOf(serverParameters);
        if (dbname == null || dbname.isEmpty()) {
            dbname = name;
        }
    }

    public DatabaseTarget(String name, List<HostAndPort> hosts, String dbname, String serverUser, String serverPassword) {
        this(name, hosts, dbname, serverUser, serverPassword, PoolOverrides.NONE, Map.of(), null);
    }

    public DatabaseTarget(String name, List<HostAndPort> hosts, String dbname, String serverUser, String serverPassword,
                          PoolOverrides pool, Map<String, String> serverParameters) {
        this(name, hosts, dbname, serverUser, serverPassword, pool, serverParameters, null);
    }

    /** The TLS settings this database's servers are reached with, given the node's. */
    public TlsSettings serverTls(TlsSettings nodeDefault) {
        return serverTls != null ? serverTls : nodeDefault;
    }

    /** The same target for a client database name matched by the {@code *} fallback. */
    public DatabaseTarget forFallback(String clientDatabase) {
        return new DatabaseTarget(clientDatabase, hosts, clientDatabase, serverUser, serverPassword, pool, serverParameters, serverTls);
    }

    @Override
    public String toString() {
        return "DatabaseTarget[" + name + " -> " + hosts + "/" + dbname
                + (serverUser == null ? "" : " as " + serverUser) + "]"; // never the password
    }
}
