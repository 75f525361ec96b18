package io.pgfleet.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed values from one place in a PgBouncer file ({@code [pgbouncer]}, or one
 * {@code [databases]} / {@code [users]} entry). Errors name the place, key and value, so
 * callers must never pass a secret through here.
 */
final class IniValueParser {
    /**
     * PgBouncer takes everything after '=' as the value, so "500  # comment" is not a
     * number there. People write such lines anyway (one of our users' files does); for
     * values that cannot contain whitespace we drop the comment and say so.
     */
    private static final Pattern TRAILING_COMMENT = Pattern.compile("^(\\S+)\\s+[#;].*$");

    private final String where;
    private final List<String> warnings;

    IniValueParser(String where, List<String> warnings) {
        this.where = where;
        this.warnings = warnings;
    }

    String where() {
        return where;
    }

    void warn(String key, String message) {
        warnings.add(where + (key.isEmpty() ? "" : " " + key) + ": " + message);
    }

    IllegalArgumentException invalid(String key, String value, String reason) {
        return new IllegalArgumentException(where + " " + key + " = '" + value + "': " + reason);
    }

    /** A whole number, zero or more. */
    int count(String key, String raw) {
        String value = word(key, raw);
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw invalid(key, raw, "must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw invalid(key, raw, "not a whole number");
        }
    }

    int port(String key, String raw) {
        int port = count(key, raw);
        if (port > 65535) {
            throw invalid(key, raw, "port out of range 0-65535");
        }
        return port;
    }

    Duration duration(String key, String raw) {
        String value = word(key, raw);
        try {
            return PgBouncerDuration.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, raw, e.getMessage());
        }
    }

    boolean bool(String key, String raw) {
        return switch (word(key, raw).toLowerCase(Locale.ROOT)) {
            case "1", "on", "yes", "true" -> true;
            case "0", "off", "no", "false" -> false;
            default -> throw invalid(key, raw, "not a boolean (0/1, on/off, yes/no, true/false)");
        };
    }

    PoolMode poolMode(String key, String raw) {
        try {
            return PoolMode.fromIni(word(key, raw));
        } catch (IllegalArgumentException e) {
            throw invalid(key, raw, "unknown pool mode (session, transaction or statement)");
        }
    }

    SessionStatePolicy sessionState(String key, String raw) {
        try {
            return SessionStatePolicy.fromIni(word(key, raw));
        } catch (IllegalArgumentException e) {
            throw invalid(key, raw, "unknown policy (pin or refuse)");
        }
    }

    TlsMode tlsMode(String key, String raw) {
        try {
            return TlsMode.fromIni(word(key, raw));
        } catch (IllegalArgumentException e) {
            throw invalid(key, raw, "unknown sslmode (disable, allow, prefer, require, verify-ca or verify-full)");
        }
    }

    /** A value that is one word: a trailing "# ..." or "; ..." comment is dropped with a warning. */
    String word(String key, String raw) {
        String value = raw.strip();
        Matcher m = TRAILING_COMMENT.matcher(value);
        if (m.matches()) {
            warn(key, "text after the value was taken as a comment; PgBouncer itself allows comments only on their own line");
            return m.group(1);
        }
        return value;
    }
}
