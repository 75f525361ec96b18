package io.pgfleet.controlplane.fleet;

/** The change contradicts the current state, e.g. deleting an upstream a route uses (HTTP 409, gRPC FAILED_PRECONDITION). */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
