package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.protocol.SqlState;

/**
 * How the console answers one command that changes things: a command tag (with an
 * optional notice before it), an error, or nothing at all (SHUTDOWN, which closes the
 * connection instead of answering, as PgBouncer does).
 *
 * @param tag     the CommandComplete tag; null for an error or no answer
 * @param notice  a NOTICE sent before the tag; null for none
 * @param sqlState the error's SQLSTATE; null unless an error
 * @param error   the error message; null unless an error
 */
record Reply(String tag, String notice, String sqlState, String error) {
    static final Reply NONE = new Reply(null, null, null, null);

    static Reply done(String tag) {
        return new Reply(tag, null, null, null);
    }

    static Reply done(String tag, String notice) {
        return new Reply(tag, notice, null, null);
    }

    /** An error with PgBouncer's console SQLSTATE (08P01). */
    static Reply error(String message) {
        return new Reply(null, null, SqlState.PROTOCOL_VIOLATION, message);
    }

    static Reply error(String sqlState, String message) {
        return new Reply(null, null, sqlState, message);
    }

    boolean silent() {
        return tag == null && error == null;
    }
}
