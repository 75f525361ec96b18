package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A user clients log in as. Give {@code password} (the control plane derives the SCRAM
 * verifier and keeps the password, encrypted, for logins to servers) or only
 * {@code scramVerifier} (nodes then log in to servers by SCRAM pass-through). Both are
 * write-only: the API never returns them. {@code console} is the user's access to the nodes'
 * admin console (virtual database {@code pgbouncer}): {@code "stats"} (SHOW only, PgBouncer's
 * stats_users) or {@code "admin"} (every command, admin_users); absent = none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UserSpec(String password, String scramVerifier, PoolSpec pool, String console) {
    @Override
    public String toString() {
        return "UserSpec[secrets redacted, pool=" + pool + ", console=" + console + "]";
    }
}
