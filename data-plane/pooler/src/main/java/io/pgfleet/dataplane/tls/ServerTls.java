package io.pgfleet.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;

import java.util.function.Supplier;

/**
 * TLS towards servers, with PgBouncer's {@code server_tls_sslmode} meaning: disable sends
 * no SSLRequest; allow and prefer use TLS when the server accepts it and plaintext when it
 * declines; require insists on TLS without checking the certificate; verify-ca checks it
 * against {@code server_tls_ca_file}; verify-full also checks the host name.
 * The settings are read for each new server connection, so a reload applies to the next one.
 */
public final class ServerTls {
    private final Supplier<TlsSettings> settings;
    private final ReloadableSslContext context = new ReloadableSslContext("server_tls", TlsContexts::forServers);

    public ServerTls(Supplier<TlsSettings> settings) {
        this.settings = settings;
    }

    /**
     * Adds the SSLRequest negotiation to a new server channel, before anything that reads
     * frames or logs in; it holds back channelActive until the connection is ready for the
     * StartupMessage.
     */
    public void install(Channel channel, String host, int port) {
        TlsSettings current = settings.get();
        if (current.mode() == TlsMode.DISABLE) {
            return;
        }
        SslContext ssl = context.get(current);
        if (ssl == null && current.mode().compareTo(TlsMode.REQUIRE) < 0) {
            return; // allow/prefer with unusable files: as if the server had declined (logged by the context)
        }
        channel.pipeline().addLast("tls-negotiation", new ServerTlsNegotiator(ssl, current.mode(), host, port));
    }
}
