package io.pgfleet.dataplane.auth;

import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** How one client proves who it is: from the hba rules when there are any, else from auth_type. */
public enum ClientAuthMethod {
    TRUST, CLEARTEXT_PASSWORD, MD5, SCRAM_SHA_256, CERT;

    /**
     * The method for a client that sent its StartupMessage.
     *
     * @throws PgProtocolException 28000 when no rule matches or the matching rule rejects
     */
    public static ClientAuthMethod select(NodeConfig config, boolean tls, String database, String user, SocketAddress remote) {
        if (config.hba().isEmpty()) {
            return switch (config.authType()) {
                case TRUST -> TRUST;
                case PLAIN -> CLEARTEXT_PASSWORD;
                case MD5 -> MD5;
                case SCRAM_SHA_256 -> SCRAM_SHA_256;
                case CERT -> CERT;
            };
        }
        InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
        String method = config.hba().methodFor(tls, database, user, address);
        String who = "host \"" + (address == null ? "[local]" : address.getHostAddress()) + "\", user \"" + user
                + "\", database \"" + database + "\", " + (tls ? "SSL encryption" : "no encryption");
        if (method == null) {
            throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "no pg_hba.conf entry for " + who);
        }
        return switch (method) {
            case "trust" -> TRUST;
            case "password" -> CLEARTEXT_PASSWORD;
            case "md5" -> MD5;
            case "scram-sha-256" -> SCRAM_SHA_256;
            case "cert" -> CERT;
            case "reject" -> throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "pg_hba.conf rejects connection for " + who);
            // peer only appears on local lines, and the node takes no Unix-socket clients yet.
            default -> throw new PgProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "authentication method \"" + method + "\" is not supported for " + who);
        };
    }
}
