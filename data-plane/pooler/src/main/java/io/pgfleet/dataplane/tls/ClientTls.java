package io.pgfleet.dataplane.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;

/**
 * TLS towards clients, with PgBouncer's {@code client_tls_sslmode} meaning:
 * <ul>
 *   <li>disable: an SSLRequest is declined ('N'); direct TLS connections are closed</li>
 *   <li>allow, prefer: TLS when the client asks for it, plaintext otherwise</li>
 *   <li>require: as prefer, but a client that logs in without TLS gets FATAL "SSL required"</li>
 *   <li>verify-ca, verify-full: as require, and the client must present a certificate signed
 *       by {@code client_tls_ca_file} (no host name to check on this side, so the two are the same)</li>
 * </ul>
 * A mode other than disable without a usable certificate declines TLS like disable, so
 * require and stronger then let no client in, which is the safe way to be misconfigured.
 */
public final class ClientTls {
    private final ReloadableSslContext context = new ReloadableSslContext("client_tls", TlsContexts::forClients);

    /** A TLS layer for a client that asked for TLS, or null when the node declines it. */
    public SslHandler newHandler(Channel channel, TlsSettings settings) {
        if (settings.mode() == TlsMode.DISABLE || settings.certFile() == null || settings.keyFile() == null) {
            return null;
        }
        SslContext ssl = context.get(settings);
        return ssl == null ? null : ssl.newHandler(channel.alloc());
    }

    /** Whether a client must be on TLS to log in at all. */
    public static boolean requiresTls(TlsSettings settings) {
        return settings.mode() == TlsMode.REQUIRE || TlsContexts.requiresClientCertificate(settings.mode());
    }
}
