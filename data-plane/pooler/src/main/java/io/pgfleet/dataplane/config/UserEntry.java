package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.auth.ScramVerifier;

/**
 * A user the node accepts, with what it knows of the user's secret. Any field but the
 * name may be null: a SCRAM verifier alone authenticates clients but cannot log in to a
 * server; a plaintext password does both.
 *
 * @param pool pool settings this user sets for itself ([users] in pgbouncer.ini)
 */
public record UserEntry(String name, ScramVerifier scramVerifier, String md5Hash, String password, PoolOverrides pool) {
    public UserEntry {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("user name must not be empty");
        }
        pool = pool == null ? PoolOverrides.NONE : pool;
    }

    public UserEntry(String name, ScramVerifier scramVerifier, String md5Hash, String password) {
        this(name, scramVerifier, md5Hash, password, PoolOverrides.NONE);
    }

    public UserEntry withPool(PoolOverrides overrides) {
        return new UserEntry(name, scramVerifier, md5Hash, password, overrides);
    }

    @Override
    public String toString() {
        return "UserEntry[" + name + ", secrets redacted]";
    }
}
