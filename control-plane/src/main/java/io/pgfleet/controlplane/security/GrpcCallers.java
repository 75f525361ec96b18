package io.pgfleet.controlplane.security;

import io.grpc.Context;
import io.grpc.Status;

import java.util.Optional;

/**
 * The caller of the current gRPC AdminService call, put into the {@link io.grpc.Context} by
 * {@code AdminAuthInterceptor}. Service code calls {@link #require(Role)} before it acts.
 */
public final class GrpcCallers {
    static final Context.Key<Caller> KEY = Context.key("pgfleet-caller");

    private GrpcCallers() {
    }

    /** A copy of the current context that carries the caller; for the interceptor. */
    public static Context withCaller(Caller caller) {
        return Context.current().withValue(KEY, caller);
    }

    public static Optional<Caller> find() {
        return Optional.ofNullable(KEY.get());
    }

    /** The authenticated caller; UNAUTHENTICATED when there is none (a call the interceptor did not see). */
    public static Caller current() {
        return find().orElseThrow(() -> Status.UNAUTHENTICATED.withDescription("missing or invalid API token").asRuntimeException());
    }

    /** The caller, when its role includes {@code needed}; PERMISSION_DENIED naming the role otherwise. */
    public static Caller require(Role needed) {
        Caller caller = current();
        if (!caller.role().includes(needed)) {
            throw Status.PERMISSION_DENIED.withDescription("this call needs the " + ApiTokens.roleName(needed)
                    + " role; token \"" + caller.name() + "\" has " + ApiTokens.roleName(caller.role())).asRuntimeException();
        }
        return caller;
    }
}
