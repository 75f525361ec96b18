package io.pgfleet.dataplane.console;

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

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
    private volatile Function<Shutdown, CompletableFuture<Void>> shutdown;
    private volatile boolean shuttingDown;

    /**
     * What RELOAD runs (off the event loops: it reads files): true when the config loaded.
     * Without one, RELOAD says the node has no config file of its own to re-read.
     */
    public void reloadWith(BooleanSupplier action) {
        reload = action;
    }

    /**
     * @param action starts the shutdown; completes once the node no longer accepts connections
     *               (what SHUTDOWN WAIT_FOR_* waits for before it answers, as PgBouncer closes
     *               its listening sockets first)
     */
    public void shutdownWith(Function<Shutdown, CompletableFuture<Void>> action) {
        shutdown = action;
    }

    BooleanSupplier reload() {
        return reload;
    }

    /**
     * Starts the shutdown: completes once the node stopped accepting; null when there is
     * nothing to shut down with (never for a started pooler).
     */
    CompletableFuture<Void> shutdown(Shutdown mode) {
        Function<Shutdown, CompletableFuture<Void>> action = shutdown;
        if (action == null) {
            return null;
        }
        shuttingDown = true;
        return action.apply(mode);
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }
}
