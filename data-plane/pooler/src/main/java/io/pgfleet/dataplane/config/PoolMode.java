package io.pgfleet.dataplane.config;

import java.util.Locale;

/** When a client gives its server connection back to the pool; names as in PgBouncer's {@code pool_mode}. */
public enum PoolMode {
    /** When the client disconnects. */
    SESSION,
    /** When a transaction ends (ReadyForQuery 'I'). */
    TRANSACTION,
    /** After every statement; multi-statement transactions are refused. */
    STATEMENT;

    public String iniName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PoolMode fromIni(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pool_mode '" + value + "' (session, transaction or statement)");
        }
    }
}
