package io.pgfleet.controlplane.security;

import jakarta.enterprise.context.RequestScoped;

import java.util.Optional;

/**
 * Who makes the current API call, for service code (the audit actor). Set by the REST
 * authentication filter; during a gRPC AdminService call it falls back to
 * {@link GrpcCallers#current()}.
 */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    /** The authenticated caller; throws when the current request was not authenticated. */
    public Caller get() {
        return find().orElseThrow(() -> new IllegalStateException("no authenticated API caller in this request"));
    }

    public Optional<Caller> find() {
        return caller != null ? Optional.of(caller) : GrpcCallers.find();
    }

    /** For the authentication filter only. */
    void set(Caller caller) {
        this.caller = caller;
    }
}
