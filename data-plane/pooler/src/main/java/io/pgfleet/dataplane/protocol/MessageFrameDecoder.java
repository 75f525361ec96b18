package io.pgfleet.dataplane.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits a stream of typed protocol messages (Byte1 type, Int32 length, body) into one
 * {@link ByteBuf} per message, type byte included, so a message can be forwarded as the
 * bytes that came. The length is checked against a limit before anything is buffered.
 */
public final class MessageFrameDecoder extends ByteToMessageDecoder {
    private final int maxMessageSize;

    public MessageFrameDecoder(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 5) {
            int length = in.getInt(in.readerIndex() + 1);
            if (length < 4) {
                in.skipBytes(in.readableBytes()); // the stream cannot be resynchronised
                throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "invalid message length " + length);
            }
            if (length > maxMessageSize) {
                in.skipBytes(in.readableBytes());
                throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION,
                        "message of " + length + " bytes exceeds the limit of " + maxMessageSize + " bytes");
            }
            if (in.readableBytes() < length + 1) {
                return;
            }
            // Ownership of the retained slice passes to the next handler.
            out.add(in.readRetainedSlice(length + 1));
        }
    }
}
