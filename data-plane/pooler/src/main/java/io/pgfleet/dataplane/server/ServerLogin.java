package io.pgfleet.dataplane.server;

import java.util.Map;

/**
 * What the node needs to log in to a server for one client.
 *
 * @param startupParameters sent in the StartupMessage: user, database, then the client's
 *                          own parameters (application_name, client_encoding, options, ...)
 * @param password          the server-side password; null when none is known
 * @param scramKeys         keys recovered from a client's SCRAM proof; used instead of the password
 *                          when the server's salt and iteration count match (no plaintext needed)
 */
public record ServerLogin(String user, String database, Map<String, String> startupParameters, String password,
                          ScramKeys scramKeys) {
    /** ClientKey and ServerKey for one salt and iteration count. */
    public record ScramKeys(byte[] clientKey, byte[] serverKey, byte[] salt, int iterations) {
        public boolean matches(byte[] otherSalt, int otherIterations) {
            return iterations == otherIterations && java.util.Arrays.equals(salt, otherSalt);
        }

        @Override
        public String toString() {
            return "ScramKeys[redacted]";
        }
    }

    public ServerLogin(String user, String database, Map<String, String> startupParameters, String password) {
        this(user, database, startupParameters, password, null);
    }

    @Override
    public String toString() {
        return "ServerLogin[" + user + "@" + database + "]"; // never the password
    }
}
