package io.pgfleet.dataplane.client;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.pgfleet.dataplane.protocol.StartupPacketDecoder;
import io.pgfleet.dataplane.tls.ClientTls;
import io.pgfleet.dataplane.tls.DirectTlsDetector;

/**
 * The pipeline of a newly accepted client: a look at the first byte for direct TLS, startup
 * packets, then login. A TLS layer, when the client gets one, goes in front of all three.
 */
public final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final PoolerContext pooler;
    /** One per node: it holds the client_tls certificate, reloaded when its files change. */
    private final ClientTls tls = new ClientTls();

    public ClientChannelInitializer(PoolerContext pooler) {
        this.pooler = pooler;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        pooler.counters().clientAccepted();
        ch.closeFuture().addListener(f -> pooler.counters().clientClosed());
        ch.pipeline().addLast("direct-tls", new DirectTlsDetector(tls, () -> pooler.config().current().pooler().clientTls()));
        ch.pipeline().addLast("startup", new StartupPacketDecoder());
        ch.pipeline().addLast("login", new ClientLoginHandler(pooler, tls));
    }
}
