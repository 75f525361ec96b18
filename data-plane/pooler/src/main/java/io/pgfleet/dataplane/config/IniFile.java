package io.pgfleet.dataplane.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The syntax of PgBouncer's ini files: {@code [section]} headers, {@code key = value}
 * lines, comments starting with ';' or '#'. Keys are case-insensitive in [pgbouncer];
 * database and user names keep their case.
 */
public record IniFile(Map<String, Map<String, String>> sections, List<String> problems) {

    public static IniFile parse(String text) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> current = null;
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT),
                        k -> new LinkedHashMap<>());
                continue;
            }
            if (line.startsWith("%include")) {
                problems.add("line " + (i + 1) + ": %include is not supported");
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 0 || current == null) {
                problems.add("line " + (i + 1) + ": expected 'key = value' inside a section");
                continue;
            }
            current.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
        }
        return new IniFile(sections, problems);
    }

    /**
     * A database or user name used as a key: names with characters other than letters,
     * digits and '_' are written as SQL quoted identifiers ({@code "my-db"}, {@code ""} for a quote).
     */
    public static String name(String key) {
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            return key.substring(1, key.length() - 1).replace("\"\"", "\"");
        }
        return key;
    }

    public Map<String, String> section(String name) {
        return sections.getOrDefault(name, Map.of());
    }
}
