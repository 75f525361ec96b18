package io.pgfleet.dataplane.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.StandardSocketOptions;

/**
 * Which Netty transport the node uses: native epoll on Linux (one syscall less per
 * wakeup, no selected-key garbage, edge-triggered), NIO anywhere else or when
 * {@code -Dpgfleet.transport=nio}. Every channel of a node must use the same one, so all
 * bootstraps ask here.
 */
public enum Transport {
    EPOLL, NIO;

    public static Transport preferred() {
        if (!"nio".equals(System.getProperty("pgfleet.transport")) && Epoll.isAvailable()) {
            return EPOLL;
        }
        return NIO;
    }

    public EventLoopGroup eventLoops(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name);
        return this == EPOLL ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The transport of an existing event loop, for bootstraps that join it. */
    public static Class<? extends SocketChannel> socketChannelFor(EventLoopGroup loop) {
        return loop instanceof io.netty.channel.epoll.EpollEventLoop || loop instanceof EpollEventLoopGroup
                ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public void reusePort(ServerBootstrap bootstrap) {
        if (this == EPOLL) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        } else {
            bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
    }
}
