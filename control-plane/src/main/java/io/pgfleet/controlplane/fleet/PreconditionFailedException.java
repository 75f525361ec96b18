package io.pgfleet.controlplane.fleet;

/** If-Match named a revision that is no longer current (HTTP 412, gRPC ABORTED). */
public class PreconditionFailedException extends RequestRefused {
    public PreconditionFailedException(String message) {
        super(message);
    }

    @Override
    public Kind kind() {
        return Kind.PRECONDITION_FAILED;
    }
}
