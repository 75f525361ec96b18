package io.pgfleet.dataplane.config;

import java.net.InetAddress;
import java.util.List;

/**
 * Client authentication rules in pg_hba.conf form (PgBouncer's {@code auth_hba_file}):
 * the first rule matching connection type, database, user and address decides the method.
 */
public final class HbaRules {
    /** No file: every client uses the node's auth_type. */
    public static final HbaRules NONE = new HbaRules(List.of());

    /** One line of the file. */
    public record Rule(String connectionType, List<String> databases, List<String> users, String address, String method,
                       int lineNumber) {
    }

    private final List<Rule> rules;

    private HbaRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** Parses the file's text. TODO(issue 3, TLS/hba work): full pg_hba.conf syntax. */
    public static HbaRules parse(String text) {
        throw new UnsupportedOperationException("auth_hba_file is not supported yet");
    }

    /** The method for a client; null when no rule matches (the client is rejected). */
    public String methodFor(boolean tls, String database, String user, InetAddress address) {
        throw new UnsupportedOperationException("auth_hba_file is not supported yet");
    }
}
