package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/** Encoders for the backend (server to client) messages the node writes itself. */
public final class BackendMessages {
    public static final byte AUTHENTICATION = 'R';
    public static final byte PARAMETER_STATUS = 'S';
    public static final byte BACKEND_KEY_DATA = 'K';
    public static final byte READY_FOR_QUERY = 'Z';
    public static final byte ERROR_RESPONSE = 'E';
    public static final byte NOTICE_RESPONSE = 'N';
    public static final byte NEGOTIATE_PROTOCOL_VERSION = 'v';
    public static final byte COMMAND_COMPLETE = 'C';
    public static final byte DATA_ROW = 'D';
    public static final byte NOTIFICATION_RESPONSE = 'A';
    public static final byte PARSE_COMPLETE = '1';
    public static final byte CLOSE_COMPLETE = '3';

    public static final int AUTH_OK = 0;
    public static final int AUTH_CLEARTEXT_PASSWORD = 3;
    public static final int AUTH_MD5_PASSWORD = 5;
    public static final int AUTH_SASL = 10;
    public static final int AUTH_SASL_CONTINUE = 11;
    public static final int AUTH_SASL_FINAL = 12;

    private BackendMessages() {
    }

    public static ByteBuf authenticationOk(ByteBufAllocator alloc) {
        return authentication(alloc, AUTH_OK, null);
    }

    public static ByteBuf authenticationCleartextPassword(ByteBufAllocator alloc) {
        return authentication(alloc, AUTH_CLEARTEXT_PASSWORD, null);
    }

    public static ByteBuf authenticationMd5Password(ByteBufAllocator alloc, byte[] salt) {
        return authentication(alloc, AUTH_MD5_PASSWORD, salt);
    }

    /** AuthenticationSASL listing one mechanism. */
    public static ByteBuf authenticationSasl(ByteBufAllocator alloc, String mechanism) {
        byte[] name = mechanism.getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[name.length + 2]; // name, its terminator, the list terminator
        System.arraycopy(name, 0, body, 0, name.length);
        return authentication(alloc, AUTH_SASL, body);
    }

    public static ByteBuf authenticationSaslContinue(ByteBufAllocator alloc, String serverFirstMessage) {
        return authentication(alloc, AUTH_SASL_CONTINUE, serverFirstMessage.getBytes(StandardCharsets.UTF_8));
    }

    public static ByteBuf authenticationSaslFinal(ByteBufAllocator alloc, String serverFinalMessage) {
        return authentication(alloc, AUTH_SASL_FINAL, serverFinalMessage.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf authentication(ByteBufAllocator alloc, int code, byte[] data) {
        int dataLength = data == null ? 0 : data.length;
        ByteBuf buf = alloc.buffer(9 + dataLength);
        buf.writeByte(AUTHENTICATION).writeInt(8 + dataLength).writeInt(code);
        if (data != null) {
            buf.writeBytes(data);
        }
        return buf;
    }

    public static ByteBuf backendKeyData(ByteBufAllocator alloc, int processId, int secretKey) {
        return alloc.buffer(13).writeByte(BACKEND_KEY_DATA).writeInt(12).writeInt(processId).writeInt(secretKey);
    }

    /** NegotiateProtocolVersion: the newest minor version we speak, and the _pq_ options we do not know. */
    public static ByteBuf negotiateProtocolVersion(ByteBufAllocator alloc, int newestMinor, java.util.List<String> unsupportedOptions) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(NEGOTIATE_PROTOCOL_VERSION).writeInt(0).writeInt((3 << 16) | newestMinor).writeInt(unsupportedOptions.size());
        unsupportedOptions.forEach(option -> writeCString(buf, option));
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    public static ByteBuf readyForQuery(ByteBufAllocator alloc, byte transactionStatus) {
        return alloc.buffer(6).writeByte(READY_FOR_QUERY).writeInt(5).writeByte(transactionStatus);
    }

    /** A message with no body: ParseComplete, CloseComplete, ... */
    public static ByteBuf empty(ByteBufAllocator alloc, byte type) {
        return alloc.buffer(5).writeByte(type).writeInt(4);
    }

    public static ByteBuf commandComplete(ByteBufAllocator alloc, String tag) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(COMMAND_COMPLETE).writeInt(0);
        writeCString(buf, tag);
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    public static ByteBuf parameterStatus(ByteBufAllocator alloc, String name, String value) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(PARAMETER_STATUS).writeInt(0);
        writeCString(buf, name);
        writeCString(buf, value);
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    /** An ErrorResponse with severity FATAL or ERROR, a SQLSTATE and a message. */
    public static ByteBuf errorResponse(ByteBufAllocator alloc, String severity, String sqlState, String message) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(ERROR_RESPONSE).writeInt(0);
        buf.writeByte('S');
        writeCString(buf, severity);
        buf.writeByte('V');
        writeCString(buf, severity);
        buf.writeByte('C');
        writeCString(buf, sqlState);
        buf.writeByte('M');
        writeCString(buf, message);
        buf.writeByte(0);
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    static void writeCString(ByteBuf buf, String value) {
        buf.writeCharSequence(value, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }
}
