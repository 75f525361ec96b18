package io.pgfleet.dataplane.protocol;

/** The SQLSTATE codes the node itself raises. Names follow PostgreSQL's errcodes.txt. */
public final class SqlState {
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION = "08001";
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    public static final String INVALID_PASSWORD = "28P01";
    public static final String INVALID_CATALOG_NAME = "3D000";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String QUERY_CANCELED = "57014";
    public static final String IDLE_SESSION_TIMEOUT = "57P05";
    public static final String IDLE_IN_TRANSACTION_SESSION_TIMEOUT = "25P03";
    public static final String TRANSACTION_TIMEOUT = "25P04";
    public static final String ACTIVE_SQL_TRANSACTION = "25001";
    public static final String INTERNAL_ERROR = "XX000";
    public static final String DUPLICATE_PREPARED_STATEMENT = "42P05";
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";

    private SqlState() {
    }
}
