package io.pgfleet.dataplane.pool;

/** A pool is one (client database, user) pair, as in PgBouncer. */
public record PoolKey(String database, String user) {
    @Override
    public String toString() {
        return database + "/" + user;
    }
}
