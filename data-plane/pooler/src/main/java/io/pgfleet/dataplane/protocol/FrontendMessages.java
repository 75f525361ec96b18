package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Encoders for the frontend (client to server) messages the node sends as a client. */
public final class FrontendMessages {
    public static final byte PASSWORD = 'p'; // also SASLInitialResponse and SASLResponse
    public static final byte TERMINATE = 'X';
    public static final byte QUERY = 'Q';

    private FrontendMessages() {
    }

    public static ByteBuf startupMessage(ByteBufAllocator alloc, Map<String, String> parameters) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeInt(0).writeInt(StartupPacket.PROTOCOL_3_0);
        parameters.forEach((name, value) -> {
            BackendMessages.writeCString(buf, name);
            BackendMessages.writeCString(buf, value);
        });
        buf.writeByte(0);
        buf.setInt(start, buf.writerIndex() - start);
        return buf;
    }

    public static ByteBuf cancelRequest(ByteBufAllocator alloc, int processId, int secretKey) {
        return alloc.buffer(16).writeInt(16).writeInt(StartupPacket.CANCEL_REQUEST_CODE)
                .writeInt(processId).writeInt(secretKey);
    }

    /** PasswordMessage: a cleartext or md5-hashed password, zero-terminated. */
    public static ByteBuf passwordMessage(ByteBufAllocator alloc, String password) {
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(PASSWORD).writeInt(0);
        BackendMessages.writeCString(buf, password);
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    public static ByteBuf saslInitialResponse(ByteBufAllocator alloc, String mechanism, String clientFirstMessage) {
        byte[] data = clientFirstMessage.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = alloc.buffer();
        int start = buf.writerIndex();
        buf.writeByte(PASSWORD).writeInt(0);
        BackendMessages.writeCString(buf, mechanism);
        buf.writeInt(data.length).writeBytes(data);
        buf.setInt(start + 1, buf.writerIndex() - start - 1);
        return buf;
    }

    public static ByteBuf saslResponse(ByteBufAllocator alloc, String clientFinalMessage) {
        byte[] data = clientFinalMessage.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(5 + data.length).writeByte(PASSWORD).writeInt(4 + data.length).writeBytes(data);
    }

    public static ByteBuf sync(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte('S').writeInt(4);
    }

    public static ByteBuf terminate(ByteBufAllocator alloc) {
        return alloc.buffer(5).writeByte(TERMINATE).writeInt(4);
    }
}
