package io.pgfleet.controlplane.security;

/** What an API token may do. Each role includes the ones below it. */
public enum Role {
    /** Read the desired state, revisions and the node registry. */
    VIEWER,
    /** Also change upstreams, users and routes, roll back and import. */
    OPERATOR,
    /** Also change fleets, API tokens and the secrets key. */
    ADMIN;

    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }
}
