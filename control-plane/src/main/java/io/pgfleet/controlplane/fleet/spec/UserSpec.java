package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A user clients log in as. Give {@code password} (the control plane derives the SCRAM
 * verifier and keeps the password, encrypted, for logins to servers) or only
 * {@code scramVerifier} (nodes then log in to servers by SCRAM pass-through). Both are
 * write-only: the API never returns them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UserSpec(String password, String scramVerifier, PoolSpec pool) {
    @Override
    public String toString() {
        return "UserSpec[secrets redacted, pool=" + pool + "]";
    }
}
