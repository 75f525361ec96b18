package io.pgfleet.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * TLS towards servers, with PgBouncer's {@code server_tls_sslmode} meaning: disable sends
 * no SSLRequest; allow and prefer use TLS when the server accepts it and plaintext when it
 * declines; require insists on TLS without checking the certificate; verify-ca checks it
 * against {@code server_tls_ca_file}; verify-full also checks the host name.
 * The settings are read for each new server connection, so a reload applies to the next one.
 *
 * <p>A database may bring its own settings (an upstream's tls_mode and CA); each distinct
 * settings value keeps its own context, so databases with different CAs do not rebuild
 * one shared context back and forth.
 */
public final class ServerTls {
    /** More distinct settings than this means old ones are no longer used: start over. */
    private static final int MAX_CONTEXTS = 256;

    private final Supplier<TlsSettings> settings;
    private final Map<TlsSettings, ReloadableSslContext> contexts = new ConcurrentHashMap<>();

    public ServerTls(Supplier<TlsSettings> settings) {
        this.settings = settings;
    }

    /**
     * Adds the SSLRequest negotiation to a new server channel, before anything that reads
     * frames or logs in; it holds back channelActive until the connection is ready for the
     * StartupMessage.
     */
    public void install(Channel channel, String host, int port) {
        install(channel, null, host, port);
    }

    /** @param own the database's own settings; null = the node's server_tls settings */
    public void install(Channel channel, TlsSettings own, String host, int port) {
        TlsSettings current = own != null ? own : settings.get();
        if (current.mode() == TlsMode.DISABLE) {
            return;
        }
        SslContext ssl = contextFor(current);
        if (ssl == null && current.mode().compareTo(TlsMode.REQUIRE) < 0) {
            return; // allow/prefer with unusable files: as if the server had declined (logged by the context)
        }
        channel.pipeline().addLast("tls-negotiation", new ServerTlsNegotiator(ssl, current.mode(), host, port));
    }

    private SslContext contextFor(TlsSettings wanted) {
        ReloadableSslContext context = contexts.get(wanted);
        if (context == null) {
            if (contexts.size() >= MAX_CONTEXTS) {
                contexts.clear();
            }
            context = contexts.computeIfAbsent(wanted, w -> new ReloadableSslContext("server_tls", TlsContexts::forServers));
        }
        return context.get(wanted);
    }
}
