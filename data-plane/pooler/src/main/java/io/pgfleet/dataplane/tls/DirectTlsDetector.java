package io.pgfleet.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.SqlState;
import org.jboss.logging.Logger;

import java.util.function.Supplier;

/**
 * Looks at the first byte of a client connection. A startup packet starts with its length,
 * whose first byte is 0 for any length PostgreSQL accepts; 0x16 is a TLS handshake record,
 * i.e. a client using direct TLS (PostgreSQL 17, {@code sslnegotiation=direct}). Such a
 * client gets a TLS layer at once, without SSLRequest, and must have negotiated the ALPN
 * protocol "postgresql", as PostgreSQL requires: the ALPN proves the client meant to speak
 * the PostgreSQL protocol and is not a confused HTTPS client or a cross-protocol attack.
 * Removes itself after the first byte either way.
 */
public final class DirectTlsDetector extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(DirectTlsDetector.class);
    static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private final ClientTls tls;
    private final Supplier<TlsSettings> settings;

    public DirectTlsDetector(ClientTls tls, Supplier<TlsSettings> settings) {
        this.tls = tls;
        this.settings = settings;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (!in.isReadable()) {
            in.release();
            return;
        }
        if (in.getByte(in.readerIndex()) != TLS_HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(in);
            return;
        }
        SslHandler ssl = tls.newHandler(ctx.channel(), settings.get());
        if (ssl == null) {
            // No TLS configured: there is no way to tell a TLS client so in its own protocol.
            LOG.debugf("client %s: direct TLS connection, but client TLS is not enabled", ctx.channel().remoteAddress());
            in.release();
            ctx.close();
            return;
        }
        ctx.pipeline().addAfter(ctx.name(), "tls", ssl);
        ctx.pipeline().addAfter("tls", "alpn-check", new RequirePostgresqlAlpn(ssl));
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(in);
    }

    /** Lets decrypted bytes through only when the handshake agreed on ALPN "postgresql". */
    private static final class RequirePostgresqlAlpn extends ChannelInboundHandlerAdapter {
        private final SslHandler ssl;
        private boolean refused;

        RequirePostgresqlAlpn(SslHandler ssl) {
            this.ssl = ssl;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg); // nothing of a refused client reaches the login
                return;
            }
            if (TlsContexts.ALPN_POSTGRESQL.equals(ssl.applicationProtocol())) {
                ctx.pipeline().remove(this);
                ctx.fireChannelRead(msg);
                return;
            }
            ReferenceCountUtil.release(msg);
            refused = true;
            ctx.channel().writeAndFlush(BackendMessages.errorResponse(ctx.alloc(), "FATAL", SqlState.PROTOCOL_VIOLATION,
                            "received direct SSL connection request without ALPN protocol negotiation extension"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
