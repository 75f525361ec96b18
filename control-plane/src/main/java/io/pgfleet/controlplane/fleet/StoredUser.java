package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;

/**
 * A user as stored: the SCRAM verifier nodes check clients with, and the server password
 * sealed by SecretCipher (null when only a verifier was given).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StoredUser(String scramVerifier, String serverPasswordSealed, PoolSpec pool, String console) {
    StoredUser withConsole(String access) {
        return new StoredUser(scramVerifier, serverPasswordSealed, pool, access);
    }

    @Override
    public String toString() {
        return "StoredUser[secrets redacted]";
    }
}
