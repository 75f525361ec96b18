package io.pgfleet.dataplane.session;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The node's prepared statements one server connection has, least recently used first,
 * at most max_prepared_statements. Touched only by whoever holds the server: its client,
 * or the node between clients.
 */
public final class ServerStatements {
    private final LinkedHashMap<PreparedStatement, Boolean> prepared = new LinkedHashMap<>(16, 0.75f, true);
    private final int capacity;

    public ServerStatements(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    /** Whether the server has it; counts as a use. */
    /** How many statements the server has prepared now. */
    public int size() {
        return prepared.size();
    }

    public boolean has(PreparedStatement statement) {
        return prepared.get(statement) != null;
    }

    /**
     * Records that the server is preparing it. Returns the least recently used statement
     * pushed out to stay within capacity, which the caller closes on the server, or null.
     */
    public PreparedStatement add(PreparedStatement statement) {
        prepared.put(statement, Boolean.TRUE);
        if (prepared.size() <= capacity) {
            return null;
        }
        Iterator<PreparedStatement> oldest = prepared.keySet().iterator();
        PreparedStatement evicted = oldest.next();
        oldest.remove();
        return evicted;
    }

    /** The server did not prepare it after all (its Parse failed or was skipped). */
    public void remove(PreparedStatement statement) {
        prepared.remove(statement);
    }

    /** A Close for it was skipped after an error: the server still has it. */
    public void restore(PreparedStatement statement) {
        prepared.put(statement, Boolean.TRUE);
    }

    /** The server dropped every prepared statement (DISCARD ALL, DEALLOCATE ALL). */
    public void clear() {
        prepared.clear();
    }
}
