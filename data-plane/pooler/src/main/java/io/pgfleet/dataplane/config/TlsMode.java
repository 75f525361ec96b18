package io.pgfleet.dataplane.config;

import java.util.Locale;

/** libpq's sslmode values, used by PgBouncer's {@code client_tls_sslmode} and {@code server_tls_sslmode}. */
public enum TlsMode {
    DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

    public String iniName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static TlsMode fromIni(String value) {
        for (TlsMode mode : values()) {
            if (mode.iniName().equals(value.strip().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown sslmode '" + value
                + "' (disable, allow, prefer, require, verify-ca or verify-full)");
    }
}
