package io.pgfleet.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.protocol.StartupPacket;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Asks a server for TLS before the login: sends SSLRequest, reads the one-byte answer, and
 * on 'S' puts a TLS layer first in the pipeline. Only when the connection is ready for the
 * StartupMessage (handshake done, or 'N' accepted by the mode) does it pass channelActive
 * on, which is what starts the login behind it. Failures are passed on as exceptions, which
 * the login handler reports as a failed server login.
 */
final class ServerTlsNegotiator extends ChannelInboundHandlerAdapter {
    private final SslContext context;
    private final TlsMode mode;
    private final String host;
    private final int port;
    private boolean answered;

    /** @param context null when the configured files cannot be used; then only failing is left */
    ServerTlsNegotiator(SslContext context, TlsMode mode, String host, int port) {
        this.context = context;
        this.mode = mode;
        this.host = host;
        this.port = port;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (context == null) {
            ctx.fireExceptionCaught(new SSLException("server_tls files are not usable (see the node's log)"));
            return;
        }
        ctx.writeAndFlush(ctx.alloc().buffer(8).writeInt(8).writeInt(StartupPacket.SSL_REQUEST_CODE));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (answered || !in.isReadable()) {
                return;
            }
            answered = true;
            byte answer = in.readByte();
            if (in.isReadable()) {
                // Bytes after the answer came before any encryption; a man in the middle could
                // have put them there (the libpq side of CVE-2021-23222).
                fail(ctx, "server sent unencrypted data after its SSL response");
                return;
            }
            switch (answer) {
                case 'S' -> startTls(ctx);
                case 'N' -> {
                    if (mode.compareTo(TlsMode.REQUIRE) >= 0) {
                        fail(ctx, "server does not support SSL, but server_tls_sslmode is " + mode.iniName());
                    } else {
                        ready(ctx);
                    }
                }
                default -> fail(ctx, "unexpected answer to SSLRequest from server: " + (answer & 0xFF));
            }
        } finally {
            in.release();
        }
    }

    private void startTls(ChannelHandlerContext ctx) {
        SslHandler ssl = context.newHandler(ctx.alloc(), host, port);
        if (mode == TlsMode.VERIFY_FULL) {
            // The JDK's HTTPS rules: subjectAltName DNS or IP entries, the CN only when there are none.
            SSLEngine engine = ssl.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
        }
        ssl.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                ready(ctx);
            } else {
                ctx.fireExceptionCaught(new SSLException("TLS handshake with server failed: " + done.cause().getMessage()));
            }
        });
        ctx.pipeline().addFirst("tls", ssl);
    }

    private void ready(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    private void fail(ChannelHandlerContext ctx, String message) {
        ctx.fireExceptionCaught(new SSLException(message));
    }
}
