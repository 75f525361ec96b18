package io.pgfleet.dataplane.config;

/**
 * TLS on one side of the node (PgBouncer's {@code client_tls_*} or {@code server_tls_*}).
 * File paths are read when a context is built, so replacing the files and reloading
 * changes the certificate without a restart.
 *
 * @param certFile  PEM certificate (chain) the node presents; may be null
 * @param keyFile   PEM private key for {@code certFile}; may be null
 * @param caFile    PEM CA bundle used to verify the peer; may be null
 * @param protocols PgBouncer's tls_protocols value ("secure", "all", "tlsv1.2,tlsv1.3", ...)
 * @param ciphers   PgBouncer's tls_ciphers value ("default", "secure", or an OpenSSL list); informative for now
 * @param caPem     PEM CA certificates given as text (an upstream's tls_ca_pem from the control plane); used
 *                  instead of {@code caFile} when set. Kept in memory rather than written to a temp file: a CA is
 *                  not secret, but a file would need cleaning up and could be left behind or swapped under us.
 */
public record TlsSettings(TlsMode mode, String certFile, String keyFile, String caFile, String protocols, String ciphers,
                          String caPem) {
    public static final TlsSettings DISABLED = new TlsSettings(TlsMode.DISABLE, null, null, null, "secure", "default");
    /** PgBouncer's default towards servers: use TLS when the server offers it. */
    public static final TlsSettings SERVER_DEFAULT = new TlsSettings(TlsMode.PREFER, null, null, null, "secure", "default");

    public TlsSettings {
        if (mode == null) {
            mode = TlsMode.DISABLE;
        }
    }

    public TlsSettings(TlsMode mode, String certFile, String keyFile, String caFile, String protocols, String ciphers) {
        this(mode, certFile, keyFile, caFile, protocols, ciphers, null);
    }

    /** These settings towards one upstream: its mode and CA, the node's client certificate and protocols. */
    public TlsSettings withModeAndCaPem(TlsMode newMode, String newCaPem) {
        return new TlsSettings(newMode, certFile, keyFile, newCaPem == null ? caFile : null, protocols, ciphers, newCaPem);
    }

    public boolean enabled() {
        return mode != TlsMode.DISABLE;
    }

    @Override
    public String toString() {
        return "TlsSettings[" + mode.iniName() + ", cert=" + certFile + ", ca=" + (caPem != null ? "(PEM text)" : caFile) + "]";
    }
}
