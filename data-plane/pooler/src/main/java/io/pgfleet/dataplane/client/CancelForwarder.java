package io.pgfleet.dataplane.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgfleet.dataplane.protocol.FrontendMessages;

/**
 * Sends a CancelRequest to a server on a new connection, as libpq does: the server reads
 * the 16 bytes and closes. Nothing is sent back to the client that asked.
 */
final class CancelForwarder {
    private CancelForwarder() {
    }

    static void forward(EventLoop eventLoop, CancelRegistry.ServerKey target) {
        new Bootstrap().group(eventLoop).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target.server())
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        f.channel().writeAndFlush(FrontendMessages.cancelRequest(f.channel().alloc(),
                                target.processId(), target.secretKey())).addListener(ChannelFutureListener.CLOSE);
                    }
                });
    }
}
