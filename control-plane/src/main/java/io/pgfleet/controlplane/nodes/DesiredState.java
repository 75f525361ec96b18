package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.fleet.FleetSnapshot;

/** What config distribution needs from the desired state. */
public interface DesiredState {
    /** Everything the nodes of one fleet should hold now, with the generation it represents. */
    FleetSnapshot snapshot(String fleet);

    /** Whether a node may join a fleet with the bootstrap token it presented. */
    TokenCheck checkBootstrapToken(String fleet, String presentedToken);

    /**
     * SHA-256 (hex) of the fleet's bootstrap token now; null when it has none or does not
     * exist. Rounds compare it with what each node presented, so a changed token ends the
     * streams of nodes that joined with the old one.
     */
    String bootstrapTokenSha256(String fleet);

    /** NO_TOKEN_SET: the fleet has no bootstrap token and tokenless fleets are not allowed. */
    enum TokenCheck { ACCEPTED, UNKNOWN_FLEET, BAD_TOKEN, NO_TOKEN_SET }
}
