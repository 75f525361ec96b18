package io.pgfleet.controlplane.fleet;

/** If-Match named a revision that is no longer current (HTTP 412, gRPC ABORTED). */
public class PreconditionFailedException extends RuntimeException {
    public PreconditionFailedException(String message) {
        super(message);
    }
}
