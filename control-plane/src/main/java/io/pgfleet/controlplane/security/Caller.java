package io.pgfleet.controlplane.security;

/** Who makes an API call: the API token's name (recorded as the actor in the audit trail) and its role. */
public record Caller(String name, Role role) {
    /** The control plane itself (startup work, no API call). */
    public static final Caller SYSTEM = new Caller("system", Role.ADMIN);
}
