package io.pgfleet.dataplane.console;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One admin console command as PgBouncer reads it: a word and an optional argument
 * ({@code SHOW POOLS}, {@code PAUSE mydb}), case-insensitive, blanks around, an optional
 * trailing semicolon. Anything else (two statements, SELECT ...) is not a command.
 *
 * @param verb     the first word, upper case
 * @param argument the second word, upper case for SHOW, as written otherwise; empty when none
 * @param text     what the client sent, for error messages
 */
public record ConsoleCommand(String verb, String argument, String text) {
    private static final Pattern COMMAND = Pattern.compile("\\s*(\\w+)(?:\\s+(\\w+|\"(?:[^\"]|\"\")*\"))?\\s*;?\\s*",
            Pattern.DOTALL);
    private static final Pattern EMPTY = Pattern.compile("[\\s;]*");

    /** True for a query with nothing in it (the client gets EmptyQueryResponse). */
    public static boolean isEmpty(String sql) {
        return EMPTY.matcher(sql).matches();
    }

    /** The command, or null when the text is not one. */
    public static ConsoleCommand parse(String sql) {
        Matcher m = COMMAND.matcher(sql);
        if (!m.matches()) {
            return null;
        }
        String verb = m.group(1).toUpperCase(Locale.ROOT);
        String argument = m.group(2) == null ? "" : unquote(m.group(2));
        if (verb.equals("SHOW")) {
            argument = argument.toUpperCase(Locale.ROOT);
        }
        return new ConsoleCommand(verb, argument, sql);
    }

    private static String unquote(String word) {
        if (word.startsWith("\"")) {
            return word.substring(1, word.length() - 1).replace("\"\"", "\"");
        }
        return word;
    }
}
