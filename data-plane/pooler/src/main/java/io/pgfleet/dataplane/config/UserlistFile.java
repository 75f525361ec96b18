package io.pgfleet.dataplane.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PgBouncer's auth_file: one {@code "user" "secret"} pair a line, a doubled quote inside
 * quotes standing for one. The secret is plaintext, an md5 hash ("md5" + 32 hex digits)
 * or a SCRAM-SHA-256 verifier.
 */
public final class UserlistFile {
    private UserlistFile() {
    }

    public static Map<String, String> parse(String text) {
        Map<String, String> secrets = new LinkedHashMap<>();
        String[] lines = text.split("\\R");
        for (int number = 0; number < lines.length; number++) {
            String line = lines[number].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            int[] position = {0};
            String user = quoted(line, position, number + 1);
            String secret = quoted(line, position, number + 1);
            secrets.put(user, secret);
        }
        return secrets;
    }

    private static String quoted(String line, int[] position, int lineNumber) {
        int i = position[0];
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        if (i >= line.length() || line.charAt(i) != '"') {
            throw new IllegalArgumentException("auth_file line " + lineNumber + ": expected a double-quoted field");
        }
        StringBuilder value = new StringBuilder();
        i++;
        while (true) {
            if (i >= line.length()) {
                throw new IllegalArgumentException("auth_file line " + lineNumber + ": unterminated quote");
            }
            char c = line.charAt(i++);
            if (c == '"') {
                if (i < line.length() && line.charAt(i) == '"') {
                    value.append('"');
                    i++;
                } else {
                    break;
                }
            } else {
                value.append(c);
            }
        }
        position[0] = i;
        return value.toString();
    }
}
