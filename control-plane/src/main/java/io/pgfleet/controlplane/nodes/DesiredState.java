package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.fleet.FleetSnapshot;

/** What config distribution needs from the desired state. */
public interface DesiredState {
    /** Everything the nodes of one fleet should hold now, with the generation it represents. */
    FleetSnapshot snapshot(String fleet);

    /** Whether a node may join a fleet with the bootstrap token it presented. */
    TokenCheck checkBootstrapToken(String fleet, String presentedToken);

    enum TokenCheck { ACCEPTED, UNKNOWN_FLEET, BAD_TOKEN }
}
