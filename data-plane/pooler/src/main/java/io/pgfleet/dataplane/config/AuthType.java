package io.pgfleet.dataplane.config;

import java.util.Locale;

/** How the node authenticates clients; names as in PgBouncer's {@code auth_type}. */
public enum AuthType {
    TRUST("trust"),
    PLAIN("plain"),
    MD5("md5"),
    SCRAM_SHA_256("scram-sha-256"),
    /** The client's TLS certificate, signed by client_tls_ca_file, must name the user in its CN. */
    CERT("cert");

    private final String iniName;

    AuthType(String iniName) {
        this.iniName = iniName;
    }

    public String iniName() {
        return iniName;
    }

    public static AuthType fromIni(String value) {
        String wanted = value.trim().toLowerCase(Locale.ROOT);
        for (AuthType type : values()) {
            if (type.iniName.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported auth_type '" + value + "' (supported: trust, plain, md5, scram-sha-256, cert)");
    }
}
