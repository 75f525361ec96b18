package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;

/** Who makes the current REST call. Interim until API tokens land: everyone is the system. */
@ApplicationScoped
public class Callers {
    public Caller current() {
        return Caller.SYSTEM;
    }
}
