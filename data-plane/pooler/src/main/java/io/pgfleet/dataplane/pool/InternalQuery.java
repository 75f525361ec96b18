package io.pgfleet.dataplane.pool;

import io.netty.buffer.ByteBuf;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.ErrorFields;

import java.util.function.Consumer;

/**
 * A query the node runs on a server for itself (reset, health check, aligning session
 * parameters): its results are swallowed, ParameterStatus is recorded on the server, and
 * the outcome is an error message or null once ReadyForQuery arrives.
 */
final class InternalQuery {
    private final PooledServer server;
    private final Consumer<String> done;
    private String error;

    InternalQuery(PooledServer server, Consumer<String> done) {
        this.server = server;
        this.done = done;
    }

    /** Returns true when the query is complete; then the caller clears it and calls {@link #finish()}. */
    boolean onFrame(ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        switch (type) {
            case BackendMessages.ERROR_RESPONSE -> {
                ErrorFields fields = ErrorFields.parse(frame);
                error = fields.sqlState() + " " + fields.message();
            }
            case BackendMessages.PARAMETER_STATUS -> server.recordParameterStatus(frame);
            case BackendMessages.READY_FOR_QUERY -> {
                byte status = frame.getByte(frame.readerIndex() + 5);
                if (error == null && status != 'I') {
                    error = "server left in transaction state " + (char) status;
                }
                return true;
            }
            default -> {
                // Row data, CommandComplete, notices: the node asked, nobody else wants them.
            }
        }
        return false;
    }

    /** Reports the outcome; may start the server's next internal query. */
    void finish() {
        done.accept(error);
    }

    void connectionLost() {
        done.accept("server connection lost");
    }
}
