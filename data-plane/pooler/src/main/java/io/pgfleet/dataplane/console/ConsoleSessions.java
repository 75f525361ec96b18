package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.client.ClientView;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's logged-in admin console connections, so that SHOW CLIENTS lists them under
 * database pgbouncer as PgBouncer does. Their views are read from any thread: what they
 * show is fixed at login or volatile.
 */
public final class ConsoleSessions {
    private final Set<AdminConsole> sessions = ConcurrentHashMap.newKeySet();

    void add(AdminConsole console) {
        sessions.add(console);
    }

    void remove(AdminConsole console) {
        sessions.remove(console);
    }

    List<ClientView> views() {
        return sessions.stream().map(AdminConsole::view)
                .sorted(Comparator.comparingLong(ClientView::connectedAtMillis)).toList();
    }

    public int size() {
        return sessions.size();
    }
}
