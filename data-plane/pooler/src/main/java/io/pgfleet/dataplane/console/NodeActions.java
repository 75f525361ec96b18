package io.pgfleet.dataplane.console;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What RELOAD and SHUTDOWN do, which only the program running the pooler knows: a
 * standalone node re-reads its pgbouncer.ini and exits its process; a node of a fleet gets
 * its config from the control plane. Set once at start; read by console commands.
 */
public final class NodeActions {
    /** SHUTDOWN's three forms, as PgBouncer has them. */
    public enum Shutdown {
        /** Close everything now. */
        IMMEDIATE,
        /** Stop accepting; stop once every client has left. */
        WAIT_FOR_CLIENTS,
        /** Stop accepting and pause; stop once every server is released. */
        WAIT_FOR_SERVERS
    }

    private volatile BooleanSupplier reload;
    private volatile Consumer<Shutdown> shutdown;
    private volatile boolean shuttingDown;

    /**
     * What RELOAD runs (off the event loops: it reads files): true when the config loaded.
     * Without one, RELOAD says the node has no config file of its own to re-read.
     */
    public void reloadWith(BooleanSupplier action) {
        reload = action;
    }

    public void shutdownWith(Consumer<Shutdown> action) {
        shutdown = action;
    }

    BooleanSupplier reload() {
        return reload;
    }

    /** Starts the shutdown; false when there is nothing to shut down with (never for a started pooler). */
    boolean shutdown(Shutdown mode) {
        Consumer<Shutdown> action = shutdown;
        if (action == null) {
            return false;
        }
        shuttingDown = true;
        action.accept(mode);
        return true;
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }
}
