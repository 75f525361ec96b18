package io.pgfleet.dataplane.session;

import io.pgfleet.dataplane.pool.SessionParameters;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client left in its server's session, read at the end of a transaction in which it
 * ran something that may change session state ({@link SessionSql#SESSION_CHANGE}, or a
 * ParameterStatus): the parameters it set, which follow it to its next server, and state
 * that cannot follow it (LISTEN, ...), which pins the server to it. One query, one round
 * trip, only after such transactions.
 */
public final class SessionInspection {
    /**
     * Rows: ('set', name, value) per parameter set in the session; ('state', feature, null) per
     * kind of state held. SET ROLE is asked for by name: pg_settings leaves role out (it is
     * GUC_NO_SHOW_ALL), and a role left on a server would be the next client's privileges.
     */
    public static final String QUERY = """
            SELECT 'set', name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session' \
            UNION ALL SELECT 'set', 'role', pg_catalog.current_setting('role') WHERE pg_catalog.current_setting('role') <> 'none' \
            UNION ALL SELECT 'state', 'LISTEN', NULL WHERE EXISTS (SELECT FROM pg_catalog.pg_listening_channels()) \
            UNION ALL SELECT 'state', 'PREPARE', NULL WHERE EXISTS (SELECT FROM pg_catalog.pg_prepared_statements WHERE from_sql) \
            UNION ALL SELECT 'state', 'WITH HOLD cursors', NULL WHERE EXISTS (SELECT FROM pg_catalog.pg_cursors WHERE is_holdable) \
            UNION ALL SELECT 'state', 'session-level advisory locks', NULL WHERE EXISTS (SELECT FROM pg_catalog.pg_locks \
            WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid()) \
            UNION ALL SELECT 'state', 'temporary tables', NULL WHERE EXISTS (SELECT FROM pg_catalog.pg_class \
            WHERE relnamespace = pg_catalog.pg_my_temp_schema())""";

    private final Map<String, String> settings = new HashMap<>();
    private final List<String> state = new ArrayList<>(0);

    /** One row of {@link #QUERY}'s result. */
    public void row(List<String> columns) {
        if ("set".equals(columns.get(0))) {
            settings.put(SessionParameters.canonicalName(columns.get(1)), columns.get(2));
        } else {
            state.add(columns.get(1));
        }
    }

    /** Parameters set in the session, by their canonical names. */
    public Map<String, String> settings() {
        return settings;
    }

    /** The kinds of state that keep the server for the client; empty when none. */
    public List<String> state() {
        return state;
    }
}
