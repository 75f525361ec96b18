package io.pgfleet.controlplane.stats;

/** The keys stats are kept by. */
public final class Keys {
    private Keys() {
    }

    /** One pool: PgBouncer's (database, user). */
    public record Pool(String database, String user) {
    }

    /** One service: an application_name's clients on one pool. */
    public record Service(String database, String user, String applicationName) {
    }
}
