package io.pgfleet.dataplane.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * A statement some client prepared with a named Parse, under the pool-wide name the node
 * gives it on servers. Clients that prepare the same text and parameter types share one
 * instance, so a server prepares it once for all of them.
 */
public final class PreparedStatement {
    private final byte[] serverName;
    /** Parse's body after the statement name: query text, parameter count and types. */
    private final byte[] parseBody;
    private final int sqlFlags;
    /** Clients holding it under some name; guarded by the registry's map. */
    int references;
    /** A server parsed it without error once (for this node's pools). */
    private volatile boolean accepted;

    PreparedStatement(long id, byte[] parseBody, int sqlFlags) {
        this.serverName = ("pgfleet_" + id).getBytes(StandardCharsets.US_ASCII);
        this.parseBody = parseBody;
        this.sqlFlags = sqlFlags;
    }

    public void accepted() {
        accepted = true;
    }

    public boolean isAccepted() {
        return accepted;
    }

    /** {@link SessionSql} flags of the statement's text. */
    public int sqlFlags() {
        return sqlFlags;
    }

    /** Writes the name, zero-terminated. */
    public void writeServerName(ByteBuf out) {
        out.writeBytes(serverName).writeByte(0);
    }

    /** A Parse message preparing the statement under its server name. */
    public ByteBuf parseMessage(ByteBufAllocator alloc) {
        int length = 4 + serverName.length + 1 + parseBody.length;
        ByteBuf out = alloc.buffer(1 + length);
        out.writeByte('P').writeInt(length);
        writeServerName(out);
        return out.writeBytes(parseBody);
    }

    /** A Close message dropping the statement from a server. */
    public ByteBuf closeMessage(ByteBufAllocator alloc) {
        int length = 4 + 1 + serverName.length + 1;
        ByteBuf out = alloc.buffer(1 + length);
        out.writeByte('C').writeInt(length).writeByte('S');
        writeServerName(out);
        return out;
    }

    byte[] parseBody() {
        return parseBody;
    }

    @Override
    public String toString() {
        return new String(serverName, StandardCharsets.US_ASCII);
    }
}
