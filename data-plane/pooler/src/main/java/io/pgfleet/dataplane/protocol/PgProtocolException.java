package io.pgfleet.dataplane.protocol;

/**
 * An error the node reports to a client as an ErrorResponse with this SQLSTATE.
 * The message must be safe to show: it never carries a secret.
 */
public class PgProtocolException extends RuntimeException {
    private final String sqlState;

    public PgProtocolException(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
