package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Zero-terminated strings, as the protocol writes every name and value. */
public final class CStrings {
    private CStrings() {
    }

    /** Reads one string and its terminator; a missing terminator is a protocol violation. */
    public static String read(ByteBuf buf, String whatIfMissing) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, whatIfMissing);
        }
        String value = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return value;
    }
}
