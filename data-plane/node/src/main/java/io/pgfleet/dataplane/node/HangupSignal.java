package io.pgfleet.dataplane.node;

import org.jboss.logging.Logger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Runs an action on SIGHUP, the signal PgBouncer users send to reload. Replacing the JVM's
 * default HUP action (shut down) is the point. Where the JVM cannot hand the signal over
 * (Windows, -Xrs, a runtime without jdk.unsupported), the node says a change needs a restart.
 */
final class HangupSignal implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HangupSignal.class);

    private final SignalHandler previous;

    private HangupSignal(SignalHandler previous) {
        this.previous = previous;
    }

    /** The installed handler, or null when SIGHUP cannot be handled here (already logged). */
    static HangupSignal install(Runnable action) {
        try {
            return new HangupSignal(Signal.handle(new Signal("HUP"), signal -> action.run()));
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.warnf("SIGHUP cannot be handled in this JVM (%s); a change to the config file needs a restart", e.toString());
            return null;
        }
    }

    /** Gives SIGHUP back to whoever had it before, so a stopped node does not keep reloading. */
    @Override
    public void close() {
        Signal.handle(new Signal("HUP"), previous);
    }
}
