package io.pgfleet.dataplane.server;

import java.util.Map;

/**
 * What the node needs to log in to a server for one client.
 *
 * @param startupParameters sent in the StartupMessage: user, database, then the client's
 *                          own parameters (application_name, client_encoding, options, ...)
 * @param password          the server-side password; null when none is known
 */
public record ServerLogin(String user, String database, Map<String, String> startupParameters, String password) {
    @Override
    public String toString() {
        return "ServerLogin[" + user + "@" + database + "]"; // never the password
    }
}
