package io.pgfleet.dataplane.server;

import io.pgfleet.dataplane.protocol.PgProtocolException;

/** A server refused the node's login, or could not be reached; reported to the client as is. */
public final class ServerLoginException extends PgProtocolException {
    public ServerLoginException(String sqlState, String message) {
        super(sqlState, message);
    }
}
