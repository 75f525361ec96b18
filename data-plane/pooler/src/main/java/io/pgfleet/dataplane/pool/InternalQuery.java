package io.pgfleet.dataplane.pool;

import io.netty.buffer.ByteBuf;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.ErrorFields;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A query the node runs on a server for itself (reset, health check, aligning session
 * parameters, looking at a session's state): ParameterStatus is recorded on the server,
 * rows go to {@code rows} if given, and the outcome is an error message or null once
 * ReadyForQuery arrives.
 */
final class InternalQuery {
    private final PooledServer server;
    private final Consumer<List<String>> rows;
    private final Consumer<String> done;
    private String error;

    InternalQuery(PooledServer server, Consumer<List<String>> rows, Consumer<String> done) {
        this.server = server;
        this.rows = rows;
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
            case BackendMessages.COMMAND_COMPLETE -> server.recordCommandTag(frame);
            // A LISTENing client's notification that PostgreSQL sends along with the node's query.
            case BackendMessages.NOTIFICATION_RESPONSE -> server.passToOwner(frame.retain());
            case BackendMessages.DATA_ROW -> {
                if (rows != null) {
                    rows.accept(columns(frame));
                }
            }
            case BackendMessages.READY_FOR_QUERY -> {
                byte status = frame.getByte(frame.readerIndex() + 5);
                if (error == null && status != 'I') {
                    error = "server left in transaction state " + (char) status;
                }
                return true;
            }
            default -> {
                // Row descriptions, notices: the node asked, nobody else wants them.
            }
        }
        return false;
    }

    /** A DataRow's columns as text, null for SQL NULL. */
    private static List<String> columns(ByteBuf frame) {
        int at = frame.readerIndex() + 5;
        int count = frame.getUnsignedShort(at);
        at += 2;
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = frame.getInt(at);
            at += 4;
            if (length < 0) {
                values.add(null);
            } else {
                values.add(frame.toString(at, length, StandardCharsets.UTF_8));
                at += length;
            }
        }
        return values;
    }

    /** Reports the outcome; may start the server's next internal query. */
    void finish() {
        done.accept(error);
    }

    void connectionLost() {
        done.accept("server connection lost");
    }
}
