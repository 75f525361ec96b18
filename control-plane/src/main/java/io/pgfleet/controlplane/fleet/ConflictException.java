package io.pgfleet.controlplane.fleet;

/** The change contradicts the current state, e.g. deleting an upstream a route uses (HTTP 409, gRPC FAILED_PRECONDITION). */
public class ConflictException extends RequestRefused {
    public ConflictException(String message) {
        super(message);
    }

    @Override
    public Kind kind() {
        return Kind.CONFLICT;
    }
}
