package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;

/** A fleet as stored: the bootstrap token only as its SHA-256 (hex); null = nodes need no token. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StoredFleet(String description, PoolSpec pool, String bootstrapTokenSha256) {
}
