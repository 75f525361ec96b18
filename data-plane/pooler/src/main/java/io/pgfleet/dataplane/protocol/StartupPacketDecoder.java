package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the untyped packets a client may send before it is logged in: SSLRequest,
 * GSSENCRequest, CancelRequest and StartupMessage (Int32 length, Int32 code, body).
 * It stays in the pipeline until the login handler removes it, because a client may
 * send a StartupMessage after a declined SSLRequest.
 */
public final class StartupPacketDecoder extends ByteToMessageDecoder {
    /** PostgreSQL's own limit on a startup packet (MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET_LENGTH = 10_000;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int length = in.getInt(in.readerIndex());
        if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) {
            in.skipBytes(in.readableBytes());
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet");
        }
        if (in.readableBytes() < length) {
            return;
        }
        in.skipBytes(4);
        int code = in.readInt();
        ByteBuf body = in.readSlice(length - 8);
        StartupPacket packet = decodeBody(code, body);
        if ((packet instanceof StartupPacket.SslRequest || packet instanceof StartupPacket.GssEncRequest) && in.isReadable()) {
            // A client must wait for the answer before it goes on. Bytes already here were sent
            // before any encryption, so a man in the middle may have put them there; taking
            // them as if they came through TLS is CVE-2021-23214. PostgreSQL refuses the same way.
            in.skipBytes(in.readableBytes());
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request");
        }
        out.add(packet);
    }

    private static StartupPacket decodeBody(int code, ByteBuf body) {
        switch (code) {
            case StartupPacket.SSL_REQUEST_CODE:
                return new StartupPacket.SslRequest();
            case StartupPacket.GSSENC_REQUEST_CODE:
                return new StartupPacket.GssEncRequest();
            case StartupPacket.CANCEL_REQUEST_CODE:
                if (body.readableBytes() < 8) {
                    throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid length of cancel request");
                }
                return new StartupPacket.CancelRequest(body.readInt(), body.readInt());
            default:
                if (code >> 16 != 3) {
                    throw new PgProtocolException(SqlState.FEATURE_NOT_SUPPORTED,
                            "unsupported frontend protocol " + (code >> 16) + "." + (code & 0xFFFF)
                                    + ": server supports 3.0 to 3.0");
                }
                return new StartupPacket.Startup(code, readParameters(body));
        }
    }

    private static Map<String, String> readParameters(ByteBuf body) {
        Map<String, String> parameters = new LinkedHashMap<>();
        while (body.isReadable()) {
            String name = CStrings.read(body, "invalid startup packet layout: expected terminator as last byte");
            if (name.isEmpty()) {
                break; // the terminating zero byte
            }
            parameters.put(name, CStrings.read(body, "invalid startup packet layout: expected terminator as last byte"));
        }
        return parameters;
    }

}
