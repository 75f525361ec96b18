package io.pgfleet.dataplane.client;

import java.net.InetSocketAddress;

/**
 * One logged-in client as the admin console shows it (SHOW CLIENTS), read on the client's
 * own event loop.
 *
 * @param state            PgBouncer's word: active (linked to a server), idle or waiting
 * @param connectedAtMillis wall-clock time of login
 * @param lastRequestAtMillis wall-clock time of the client's last message
 * @param waitNanos        how long the client has waited for a server; 0 when it does not wait
 * @param server           the server connection it holds now (a {@code PooledServer}), or null
 */
public record ClientView(Object identity, String user, String database, String state, InetSocketAddress remote,
                         InetSocketAddress local, long connectedAtMillis, long lastRequestAtMillis, long waitNanos,
                         Object server, int processId, boolean tls, String applicationName, int preparedStatements) {
}
