package io.pgfleet.controlplane.fleet;

/** The caller's role does not allow this change (HTTP 403, gRPC PERMISSION_DENIED). */
public class ForbiddenException extends RuntimeException {
    public ForbiddenException(String message) {
        super(message);
    }
}
