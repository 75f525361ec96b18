package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import io.pgfleet.controlplane.security.SecretCipher;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Key rotation, step two: after the new key is pgfleet.secrets.key and the old one is in
 * pgfleet.secrets.previous-keys on every replica, this re-encrypts what the old key sealed.
 */
@Path("/api/v1/secrets")
@Produces(MediaType.APPLICATION_JSON)
@RequiresRole(Role.ADMIN)
public class SecretsResource {
    @Inject
    FleetService fleets;
    @Inject
    SecretCipher cipher;

    public record RotationResult(String currentKeyId, int resealed) {
    }

    @POST
    @Path("/rotate")
    public RotationResult rotate() {
        return new RotationResult(cipher.currentKeyId(), fleets.resealSecrets());
    }
}
