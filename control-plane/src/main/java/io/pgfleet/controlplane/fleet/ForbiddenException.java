package io.pgfleet.controlplane.fleet;

/** The caller's role does not allow this change (HTTP 403, gRPC PERMISSION_DENIED). */
public class ForbiddenException extends RequestRefused {
    public ForbiddenException(String message) {
        super(message);
    }

    @Override
    public Kind kind() {
        return Kind.FORBIDDEN;
    }
}
