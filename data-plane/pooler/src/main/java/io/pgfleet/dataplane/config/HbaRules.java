package io.pgfleet.dataplane.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Client authentication rules in pg_hba.conf form (PgBouncer's {@code auth_hba_file}):
 * the first rule matching connection type, database, user and address decides the method.
 *
 * <p>Accepted: connection types {@code local}, {@code host}, {@code hostssl}, {@code hostnossl};
 * comma-separated database and user lists with the keywords {@code all} and (databases)
 * {@code sameuser}; double-quoted names (a quoted keyword is a plain name); addresses as
 * CIDR, as an address followed by a netmask column, or {@code all}; the methods trust,
 * reject, md5, password, scram-sha-256 and cert, and peer on {@code local} lines; comments
 * and backslash line continuation. Anything else (group names, include files, host names,
 * regular expressions, options after the method) is refused with the line number, because
 * silently ignoring part of an access rule could let in someone it was meant to keep out.
 */
public final class HbaRules {
    /** No file: every client uses the node's auth_type. */
    public static final HbaRules NONE = new HbaRules(List.of(), List.of());

    /** One line of the file. {@code address} is canonical CIDR, {@code all}, or null for {@code local}. */
    public record Rule(String connectionType, List<String> databases, List<String> users, String address, String method,
                       int lineNumber) {
    }

    private static final Set<String> CONNECTION_TYPES = Set.of("local", "host", "hostssl", "hostnossl");
    private static final Set<String> METHODS = Set.of("trust", "reject", "md5", "password", "scram-sha-256", "cert", "peer");

    /** A database or user name as written: keywords only count when not quoted. */
    private record Name(String value, boolean quoted) {
        boolean isKeyword(String keyword) {
            return !quoted && value.equals(keyword);
        }
    }

    /** A rule in the form that is matched against connections. */
    private record Compiled(Rule rule, List<Name> databases, List<Name> users, AddressRange range) {
    }

    private final List<Rule> rules;
    private final List<Compiled> compiled;

    private HbaRules(List<Rule> rules, List<Compiled> compiled) {
        this.rules = List.copyOf(rules);
        this.compiled = List.copyOf(compiled);
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Parses the file's text.
     *
     * @throws IllegalArgumentException naming the line of the first entry that cannot be used
     */
    public static HbaRules parse(String text) {
        List<Rule> rules = new ArrayList<>();
        List<Compiled> compiled = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        StringBuilder logical = new StringBuilder();
        int firstLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]);
            if (logical.isEmpty()) {
                firstLine = i + 1;
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            List<List<Name>> fields = tokenize(logical.toString(), firstLine);
            logical.setLength(0);
            if (!fields.isEmpty()) {
                Compiled rule = parseRule(fields, firstLine);
                rules.add(rule.rule());
                compiled.add(rule);
            }
        }
        if (!logical.isEmpty()) {
            List<List<Name>> fields = tokenize(logical.toString(), firstLine);
            if (!fields.isEmpty()) {
                Compiled rule = parseRule(fields, firstLine);
                rules.add(rule.rule());
                compiled.add(rule);
            }
        }
        return new HbaRules(rules, compiled);
    }

    /**
     * The method for a client; null when no rule matches (the client is rejected).
     *
     * @param tls     whether the client's connection is encrypted
     * @param address the client's address; null for a Unix-socket ("local") connection
     */
    public String methodFor(boolean tls, String database, String user, InetAddress address) {
        for (Compiled rule : compiled) {
            if (typeMatches(rule.rule().connectionType(), tls, address)
                    && databaseMatches(rule.databases(), database, user)
                    && userMatches(rule.users(), user)
                    && (address == null || rule.range().contains(address))) {
                return rule.rule().method();
            }
        }
        return null;
    }

    private static boolean typeMatches(String type, boolean tls, InetAddress address) {
        return switch (type) {
            case "local" -> address == null;
            case "host" -> address != null;
            case "hostssl" -> address != null && tls;
            case "hostnossl" -> address != null && !tls;
            default -> false;
        };
    }

    private static boolean databaseMatches(List<Name> databases, String database, String user) {
        for (Name name : databases) {
            if (name.isKeyword("all") || (name.isKeyword("sameuser") && database.equals(user))) {
                return true;
            }
            if (name.isKeyword("replication")) {
                continue; // only matches replication connections, which the pooler does not take
            }
            if (name.value().equals(database)) {
                return true;
            }
        }
        return false;
    }

    private static boolean userMatches(List<Name> users, String user) {
        for (Name name : users) {
            if (name.isKeyword("all") || name.value().equals(user)) {
                return true;
            }
        }
        return false;
    }

    private static Compiled parseRule(List<List<Name>> fields, int line) {
        String type = single(fields.get(0), "connection type", line).toLowerCase(Locale.ROOT);
        if (!CONNECTION_TYPES.contains(type)) {
            throw error(line, "unsupported connection type \"" + type + "\" (local, host, hostssl or hostnossl)");
        }
        int minimum = type.equals("local") ? 4 : 5;
        if (fields.size() < minimum) {
            throw error(line, "incomplete entry: expected " + (type.equals("local")
                    ? "local DATABASE USER METHOD" : type + " DATABASE USER ADDRESS METHOD"));
        }
        List<Name> databases = names(fields.get(1), "database", line);
        List<Name> users = names(fields.get(2), "user", line);
        int next = 3;
        AddressRange range = null;
        String address = null;
        if (!type.equals("local")) {
            String written = single(fields.get(3), "address", line);
            next = 4;
            String mask = null;
            if (!written.contains("/") && !written.equals("all") && fields.size() > 5) {
                mask = single(fields.get(4), "netmask", line);
                next = 5;
            }
            range = AddressRange.parse(written, mask, line);
            address = range.toString();
        }
        String method = single(fields.get(next), "method", line).toLowerCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw error(line, "unsupported authentication method \"" + method
                    + "\" (trust, reject, md5, password, scram-sha-256, cert, or peer on local lines)");
        }
        if (method.equals("peer") && !type.equals("local")) {
            throw error(line, "peer authentication is only supported on local connections");
        }
        if (fields.size() > next + 1) {
            throw error(line, "authentication options after the method are not supported");
        }
        Rule rule = new Rule(type, databases.stream().map(Name::value).toList(), users.stream().map(Name::value).toList(),
                address, method, line);
        return new Compiled(rule, databases, users, range);
    }

    private static List<Name> names(List<Name> field, String what, int line) {
        for (Name name : field) {
            if (name.quoted()) {
                continue;
            }
            String value = name.value();
            if (value.startsWith("@")) {
                throw error(line, "included " + what + " files (@file) are not supported");
            }
            if (value.startsWith("/")) {
                throw error(line, "regular expressions in the " + what + " field are not supported");
            }
            if (what.equals("user") && value.startsWith("+")) {
                throw error(line, "group membership (+role) in the user field is not supported");
            }
            if (what.equals("database") && (value.equals("samerole") || value.equals("samegroup"))) {
                throw error(line, "the database keyword " + value + " is not supported");
            }
        }
        return field;
    }

    private static String single(List<Name> field, String what, int line) {
        if (field.size() != 1) {
            throw error(line, "the " + what + " field must be a single value, not a list");
        }
        return field.get(0).value();
    }

    /** Removes a comment: a {@code #} outside double quotes and everything after it. */
    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '#' && !quoted) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    /** Splits a line into whitespace-separated fields, each a comma-separated list of names. */
    private static List<List<Name>> tokenize(String line, int lineNumber) {
        List<List<Name>> fields = new ArrayList<>();
        List<Name> field = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        boolean sawQuote = false;
        boolean inToken = false;
        for (int i = 0; i <= line.length(); i++) {
            char c = i < line.length() ? line.charAt(i) : ' ';
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    token.append('"'); // "" inside quotes is a literal quote
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else if (i == line.length()) {
                    throw error(lineNumber, "unterminated quoted name");
                } else {
                    token.append(c);
                }
                continue;
            }
            if (c == '"') {
                quoted = true;
                sawQuote = true;
                inToken = true;
            } else if (c == ',') {
                if (!inToken) {
                    throw error(lineNumber, "empty name in a comma-separated list");
                }
                field.add(new Name(token.toString(), sawQuote));
                token.setLength(0);
                sawQuote = false;
                inToken = false;
                // A list may continue after whitespace following the comma ("db1, db2").
                while (i + 1 < line.length() && Character.isWhitespace(line.charAt(i + 1))) {
                    i++;
                }
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    field.add(new Name(token.toString(), sawQuote));
                    token.setLength(0);
                    sawQuote = false;
                    inToken = false;
                }
                if (!field.isEmpty()) {
                    fields.add(List.copyOf(field));
                    field.clear();
                }
            } else {
                token.append(c);
                inToken = true;
            }
        }
        return fields;
    }

    private static IllegalArgumentException error(int line, String message) {
        return new IllegalArgumentException("auth_hba_file line " + line + ": " + message);
    }

    /** An address range: {@code all} or a network in CIDR form. */
    private record AddressRange(byte[] network, int prefixLength) {
        static final AddressRange ALL = new AddressRange(null, 0);

        static AddressRange parse(String address, String mask, int line) {
            if (address.equals("all")) {
                return ALL;
            }
            if (address.equals("samehost") || address.equals("samenet")) {
                throw error(line, "the address keyword " + address + " is not supported");
            }
            String host = address;
            int prefix;
            InetAddress network;
            int slash = address.indexOf('/');
            if (slash >= 0) {
                host = address.substring(0, slash);
                network = literal(host, line);
                prefix = prefixLength(address.substring(slash + 1), network, line);
            } else {
                network = literal(host, line);
                if (mask == null) {
                    throw error(line, "address \"" + address + "\" needs a /prefix length or a netmask column");
                }
                InetAddress maskAddress = literal(mask, line);
                if (maskAddress.getAddress().length != network.getAddress().length) {
                    throw error(line, "netmask \"" + mask + "\" is not of the same address family as " + host);
                }
                prefix = maskPrefix(maskAddress.getAddress(), mask, line);
            }
            byte[] bytes = network.getAddress();
            return new AddressRange(applyPrefix(bytes, prefix), prefix);
        }

        private static InetAddress literal(String text, int line) {
            // Only literals: a host name would need DNS at login, which the pooler does not do here.
            if (!text.matches("[0-9a-fA-F:.]+") || (!text.contains(":") && !text.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"))) {
                throw error(line, "\"" + text + "\" is not an IP address (host names are not supported)");
            }
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                throw error(line, "\"" + text + "\" is not an IP address");
            }
        }

        private static int prefixLength(String text, InetAddress network, int line) {
            int max = network instanceof Inet4Address ? 32 : 128;
            try {
                int prefix = Integer.parseInt(text);
                if (prefix >= 0 && prefix <= max) {
                    return prefix;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw error(line, "invalid prefix length \"/" + text + "\"");
        }

        private static int maskPrefix(byte[] mask, String text, int line) {
            int prefix = 0;
            boolean ended = false;
            for (byte b : mask) {
                for (int bit = 7; bit >= 0; bit--) {
                    boolean set = (b >> bit & 1) == 1;
                    if (set && ended) {
                        throw error(line, "netmask \"" + text + "\" is not contiguous");
                    }
                    if (set) {
                        prefix++;
                    } else {
                        ended = true;
                    }
                }
            }
            return prefix;
        }

        private static byte[] applyPrefix(byte[] address, int prefix) {
            byte[] masked = address.clone();
            for (int i = 0; i < masked.length; i++) {
                int bits = Math.max(0, Math.min(8, prefix - i * 8));
                masked[i] &= (byte) (0xFF << (8 - bits));
            }
            return masked;
        }

        boolean contains(InetAddress address) {
            if (network == null) {
                return true;
            }
            byte[] bytes = address.getAddress();
            // IPv4 rules match IPv4 clients only and IPv6 rules IPv6 clients, as in PostgreSQL.
            return bytes.length == network.length && java.util.Arrays.equals(applyPrefix(bytes, prefixLength), network);
        }

        @Override
        public String toString() {
            if (network == null) {
                return "all";
            }
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
