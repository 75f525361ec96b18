package io.pgfleet.controlplane.fleet;

/** The named fleet or resource does not exist (HTTP 404, gRPC NOT_FOUND). */
public class NotFoundException extends RequestRefused {
    public NotFoundException(String message) {
        super(message);
    }

    @Override
    public Kind kind() {
        return Kind.NOT_FOUND;
    }
}
