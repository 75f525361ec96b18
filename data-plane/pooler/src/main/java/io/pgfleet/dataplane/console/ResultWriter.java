package io.pgfleet.dataplane.console;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encodes console results: RowDescription, DataRow, NoticeResponse, EmptyQueryResponse. */
final class ResultWriter {
    private ResultWriter() {
    }

    static ByteBuf rowDescription(ByteBufAllocator alloc, List<Column> columns) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte('T').writeInt(0).writeShort(columns.size());
        for (Column c : columns) {
            cString(buf, c.name());
            buf.writeInt(0).writeShort(0) // no table, no attribute number
                    .writeInt(c.type().oid).writeShort(c.type().length).writeInt(-1).writeShort(0);
        }
        return length(buf, start);
    }

    static ByteBuf dataRow(ByteBufAllocator alloc, List<String> values) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte('D').writeInt(0).writeShort(values.size());
        for (String v : values) {
            if (v == null) {
                buf.writeInt(-1);
            } else {
                int at = buf.writerIndex();
                buf.writeInt(0);
                int n = buf.writeCharSequence(v, StandardCharsets.UTF_8);
                buf.setInt(at, n);
            }
        }
        return length(buf, start);
    }

    /** A NOTICE with a message and a detail (SHOW HELP). */
    static ByteBuf notice(ByteBufAllocator alloc, String message, String detail) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte('N').writeInt(0);
        field(buf, 'S', "NOTICE");
        field(buf, 'V', "NOTICE");
        field(buf, 'C', "00000");
        field(buf, 'M', message);
        if (detail != null) {
            field(buf, 'D', detail);
        }
        buf.writeByte(0);
        return length(buf, start);
    }

    static ByteBuf emptyQueryResponse(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('I').writeInt(4);
    }

    private static void field(ByteBuf buf, char code, String value) {
        buf.writeByte(code);
        cString(buf, value);
    }

    private static void cString(ByteBuf buf, String value) {
        buf.writeCharSequence(value, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    private static ByteBuf length(ByteBuf buf, int start) {
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }
}
