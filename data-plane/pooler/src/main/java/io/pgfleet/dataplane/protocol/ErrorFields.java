package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** The fields of an ErrorResponse the node needs: severity, SQLSTATE and message. */
public record ErrorFields(String severity, String sqlState, String message) {

    /** Parses an ErrorResponse or NoticeResponse frame (type byte included) without consuming it. */
    public static ErrorFields parse(ByteBuf frame) {
        String severity = "ERROR";
        String sqlState = SqlState.INTERNAL_ERROR;
        String message = "";
        int index = frame.readerIndex() + 5;
        int end = frame.writerIndex();
        while (index < end) {
            byte field = frame.getByte(index++);
            if (field == 0) {
                break;
            }
            int terminator = frame.indexOf(index, end, (byte) 0);
            if (terminator < 0) {
                break;
            }
            String value = frame.toString(index, terminator - index, StandardCharsets.UTF_8);
            switch (field) {
                case 'V' -> severity = value;
                case 'C' -> sqlState = value;
                case 'M' -> message = value;
                default -> {
                }
            }
            index = terminator + 1;
        }
        return new ErrorFields(severity, sqlState, message);
    }
}
