package io.pgfleet.dataplane.client;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.pgfleet.dataplane.protocol.StartupPacketDecoder;

/** The pipeline of a newly accepted client: startup packets first, then login. */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final PoolerContext pooler;

    public ClientChannelInitializer(PoolerContext pooler) {
        this.pooler = pooler;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        pooler.counters().clientAccepted();
        ch.closeFuture().addListener(f -> pooler.counters().clientClosed());
        ch.pipeline().addLast("startup", new StartupPacketDecoder());
        ch.pipeline().addLast("login", new ClientLoginHandler(pooler));
    }
}
