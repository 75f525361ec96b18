package io.pgfleet.dataplane.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.pgfleet.dataplane.transport.Transport;
import io.pgfleet.dataplane.protocol.FrontendMessages;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Sends a CancelRequest on a new connection, as libpq does: the receiver reads the 16
 * bytes, acts, and closes. The returned future completes when the receiver has closed the
 * connection (the cancel has been acted on) or after {@code timeoutNanos}
 * (cancel_wait_timeout), whichever comes first. Nothing goes back to the client that asked.
 */
final class CancelForwarder {
    private CancelForwarder() {
    }

    static Future<Void> forward(EventLoop eventLoop, InetSocketAddress target, int processId, int secretKey, long timeoutNanos) {
        Promise<Void> done = eventLoop.newPromise();
        if (timeoutNanos > 0) {
            eventLoop.schedule(() -> done.trySuccess(null), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        new Bootstrap().group(eventLoop).channel(Transport.socketChannelFor(eventLoop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target)
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        done.trySuccess(null);
                        return;
                    }
                    f.channel().closeFuture().addListener(c -> done.trySuccess(null));
                    f.channel().writeAndFlush(FrontendMessages.cancelRequest(f.channel().alloc(), processId, secretKey));
                });
        return done;
    }
}
