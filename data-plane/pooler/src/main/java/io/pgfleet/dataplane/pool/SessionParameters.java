package io.pgfleet.dataplane.pool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Session parameters a client asked for at startup, and the SET statements that bring a
 * pooled server in line with them. Servers log in without any client's parameters; each
 * checkout aligns the server with its client, so one client's settings never leak to
 * another and every client sees what it asked for.
 */
public final class SessionParameters {
    /** Parameters the server reports with ParameterStatus, by lower-case name. */
    private static final Map<String, String> REPORTED = canonical(List.of("server_version", "server_encoding",
            "client_encoding", "application_name", "default_transaction_read_only", "in_hot_standby", "is_superuser",
            "session_authorization", "DateStyle", "IntervalStyle", "TimeZone", "integer_datetimes",
            "standard_conforming_strings", "scram_iterations", "search_path"));
    // search_path is reported from PostgreSQL 18 on; what a given server reports is PooledServer.reports().
    /** Startup keys that are not session parameters. */
    private static final Set<String> NOT_PARAMETERS = Set.of("user", "database", "options", "replication");

    private SessionParameters() {
    }

    /**
     * The parameters a client wants, from its startup packet: every key but user, database
     * and replication, plus the {@code -c name=value} settings inside {@code options}.
     */
    public static Map<String, String> fromStartup(Map<String, String> startup) {
        Map<String, String> wanted = new LinkedHashMap<>();
        startup.forEach((name, value) -> {
            if (!NOT_PARAMETERS.contains(name) && !name.startsWith("_pq_.")) {
                wanted.put(canonicalName(name), value);
            }
        });
        String options = startup.get("options");
        if (options != null) {
            parseOptions(options).forEach((name, value) -> wanted.put(canonicalName(name), value));
        }
        return wanted;
    }

    /** Reported parameters a client cannot SET, or that describe the server: never carried to another server. */
    private static final Set<String> SERVER_FACTS = Set.of("server_version", "server_encoding", "integer_datetimes",
            "in_hot_standby", "is_superuser", "session_authorization", "default_transaction_read_only", "scram_iterations");

    public static boolean isReported(String name) {
        return REPORTED.containsKey(name.toLowerCase(Locale.ROOT));
    }

    /** A reported change the client made (SET TimeZone, ...) that its next server must get too. */
    public static boolean followsClient(String name) {
        return isReported(name) && !SERVER_FACTS.contains(name);
    }

    /**
     * What brings a server in line with a client: RESET for each parameter set in the
     * server's session that the client did not ask for (another client's leftovers), and
     * set_config for each wanted value the server does not have. set_config takes a value
     * as a startup packet or postgresql.conf would (a list like search_path "a, b" stays a
     * list, where SET 'a, b' would name one schema "a, b").
     */
    record Alignment(String sql, List<String> resets, List<String> sets) {
        boolean isEmpty() {
            return resets.isEmpty() && sets.isEmpty();
        }
    }

    static Alignment align(Map<String, String> wanted, Map<String, String> server, Set<String> sessionSet) {
        List<String> resets = new ArrayList<>();
        for (String name : sessionSet) {
            if (!wanted.containsKey(name)) {
                resets.add(name);
            }
        }
        List<String> sets = new ArrayList<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!e.getValue().equals(server.get(e.getKey()))) {
                sets.add(e.getKey());
            }
        }
        if (resets.isEmpty() && sets.isEmpty()) {
            return new Alignment("", resets, sets);
        }
        StringBuilder sql = new StringBuilder();
        resets.forEach(name -> sql.append("RESET ").append(quoteIdentifier(name)).append(';'));
        for (int i = 0; i < sets.size(); i++) {
            sql.append(i == 0 ? "SELECT " : ", ").append("pg_catalog.set_config(").append(quoteLiteral(sets.get(i)))
                    .append(", ").append(quoteLiteral(wanted.get(sets.get(i)))).append(", false)");
        }
        return new Alignment(sql.toString(), resets, sets);
    }

    /**
     * After an alignment ran: the server reported canonical values for reported parameters
     * (DateStyle "ISO" becomes "ISO, MDY"), which the client takes so the next checkout
     * compares like with like; unreported ones are recorded on the server as set.
     */
    static void settled(Alignment alignment, Map<String, String> wanted, PooledServer server) {
        Map<String, String> parameters = server.parameters();
        for (String name : alignment.resets()) {
            server.sessionSet().remove(name);
            if (!server.reports(name)) {
                parameters.remove(name);
            }
        }
        for (String name : alignment.sets()) {
            server.sessionSet().add(name);
            if (server.reports(name) && parameters.containsKey(name)) {
                wanted.put(name, parameters.get(name));
            } else {
                parameters.put(name, wanted.get(name));
            }
        }
    }

    /**
     * A client's session as seen at the end of its transaction: what it set there replaces
     * what the node knew it had set. The client keeps its startup parameters and gains the
     * captured ones; the server's session-level parameters are exactly the captured ones.
     */
    public static void captured(Map<String, String> sessionSettings, Map<String, String> startup,
                                Map<String, String> wanted, PooledServer server) {
        wanted.clear();
        wanted.putAll(startup);
        wanted.putAll(sessionSettings);
        server.parameters().keySet().removeIf(name -> !server.reports(name) && !sessionSettings.containsKey(name));
        server.parameters().putAll(sessionSettings);
        server.sessionSet().clear();
        server.sessionSet().addAll(sessionSettings.keySet());
    }

    /** Splits libpq's options string: "-c a=b -c c=d" or "--a=b", backslash escapes spaces. */
    static Map<String, String> parseOptions(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String setting = null;
            if (w.equals("-c") && i + 1 < words.size()) {
                setting = words.get(++i);
            } else if (w.startsWith("-c")) {
                setting = w.substring(2);
            } else if (w.startsWith("--")) {
                setting = w.substring(2);
            }
            int eq = setting == null ? -1 : setting.indexOf('=');
            if (eq > 0) {
                settings.put(setting.substring(0, eq).replace('-', '_'), setting.substring(eq + 1));
            }
        }
        return settings;
    }

    /** Parameter names from pg_settings are lower case; reported ones take their ParameterStatus spelling. */
    public static String canonicalName(String name) {
        return REPORTED.getOrDefault(name.toLowerCase(Locale.ROOT), name);
    }

    private static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String quoteLiteral(String value) {
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static Map<String, String> canonical(List<String> names) {
        Map<String, String> map = new LinkedHashMap<>();
        names.forEach(n -> map.put(n.toLowerCase(Locale.ROOT), n));
        return Map.copyOf(map);
    }
}
