package io.pgfleet.dataplane.config;

import java.util.Locale;

/**
 * What a transaction- or statement-mode pool does with session state that cannot move
 * between server connections (LISTEN, SQL PREPARE, WITH HOLD cursors, session-level
 * advisory locks, temporary tables). Set with {@code pgfleet_session_state}.
 */
public enum SessionStatePolicy {
    /** Keep the client's server connection for it while such state exists. */
    PIN,
    /** Refuse the statement that would create it, with 0A000 naming the feature and the setting. */
    REFUSE;

    public static final String SETTING = "pgfleet_session_state";

    public String iniName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SessionStatePolicy fromIni(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown " + SETTING + " '" + value + "' (pin or refuse)");
        }
    }
}
