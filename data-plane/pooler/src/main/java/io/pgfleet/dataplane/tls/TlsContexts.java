package io.pgfleet.dataplane.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;

import javax.net.ssl.SSLException;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;

/**
 * Builds Netty SSL contexts from {@link TlsSettings} PEM files, one kind per side of the
 * node. The JDK provider is used on purpose: its ALPN and client-certificate behaviour is
 * the same on every platform, with no native library to ship.
 */
public final class TlsContexts {
    /** The ALPN protocol PostgreSQL 17 defines; required for direct TLS connections. */
    public static final String ALPN_POSTGRESQL = "postgresql";

    private TlsContexts() {
    }

    /**
     * The node as TLS server, for clients. With a CA file, a client certificate is asked for
     * (and checked against the CA when presented); verify-ca/verify-full make it mandatory.
     */
    public static SslContext forClients(TlsSettings settings) throws SSLException {
        if (settings.certFile() == null || settings.keyFile() == null) {
            throw new SSLException("client_tls_cert_file and client_tls_key_file must both be set");
        }
        KeyPairCheck.requireMatchingPair(settings.certFile(), settings.keyFile());
        SslContextBuilder builder = SslContextBuilder.forServer(new File(settings.certFile()), new File(settings.keyFile()))
                .sslProvider(SslProvider.JDK)
                .protocols(TlsProtocols.parse(settings.protocols()))
                // Clients that offer ALPN must offer "postgresql" (as PostgreSQL 17 insists);
                // clients that offer none are fine unless they connect with direct TLS.
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ALPN_POSTGRESQL));
        if (settings.caFile() != null) {
            builder.trustManager(new File(settings.caFile()));
        }
        builder.clientAuth(requiresClientCertificate(settings.mode()) ? ClientAuth.REQUIRE
                : settings.caFile() != null ? ClientAuth.OPTIONAL : ClientAuth.NONE);
        if (requiresClientCertificate(settings.mode()) && settings.caFile() == null) {
            throw new SSLException("client_tls_sslmode " + settings.mode().iniName() + " needs client_tls_ca_file");
        }
        return builder.build();
    }

    /**
     * The node as TLS client, towards servers. Below verify-ca the server's certificate is
     * not checked (as libpq's require); verify-ca/verify-full check it against the CA file,
     * or the JDK's trust store when there is none. The host name is checked per connection.
     */
    public static SslContext forServers(TlsSettings settings) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(TlsProtocols.parse(settings.protocols()));
        if (verifiesServer(settings.mode())) {
            if (settings.caPem() != null) {
                builder.trustManager(new ByteArrayInputStream(settings.caPem().getBytes(StandardCharsets.US_ASCII)));
            } else if (settings.caFile() != null) {
                builder.trustManager(new File(settings.caFile()));
            }
        } else {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        if (settings.certFile() != null && settings.keyFile() != null) {
            KeyPairCheck.requireMatchingPair(settings.certFile(), settings.keyFile());
            builder.keyManager(new File(settings.certFile()), new File(settings.keyFile()));
        }
        return builder.build();
    }

    static boolean requiresClientCertificate(TlsMode mode) {
        return mode == TlsMode.VERIFY_CA || mode == TlsMode.VERIFY_FULL;
    }

    static boolean verifiesServer(TlsMode mode) {
        return mode == TlsMode.VERIFY_CA || mode == TlsMode.VERIFY_FULL;
    }
}
