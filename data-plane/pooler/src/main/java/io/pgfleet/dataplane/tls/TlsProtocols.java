package io.pgfleet.dataplane.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PgBouncer's {@code tls_protocols} value as JSSE protocol names. "secure" (the default)
 * means TLS 1.2 and 1.3; "all"/"legacy" also list 1.0 and 1.1, which the JDK still only
 * negotiates if its own security policy allows them.
 */
final class TlsProtocols {
    private TlsProtocols() {
    }

    static String[] parse(String value) {
        if (value == null || value.isBlank()) {
            return new String[]{"TLSv1.3", "TLSv1.2"};
        }
        List<String> protocols = new ArrayList<>();
        for (String part : value.toLowerCase(Locale.ROOT).split("[,\\s]+")) {
            switch (part) {
                case "" -> { }
                case "secure", "normal" -> protocols.addAll(List.of("TLSv1.3", "TLSv1.2"));
                case "all", "legacy" -> protocols.addAll(List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"));
                case "tlsv1.3" -> protocols.add("TLSv1.3");
                case "tlsv1.2" -> protocols.add("TLSv1.2");
                case "tlsv1.1" -> protocols.add("TLSv1.1");
                case "tlsv1.0", "tlsv1" -> protocols.add("TLSv1");
                default -> throw new IllegalArgumentException("unknown tls_protocols entry '" + part + "'");
            }
        }
        return protocols.stream().distinct().toArray(String[]::new);
    }
}
