package io.pgfleet.controlplane.fleet;

/** The named fleet or resource does not exist (HTTP 404, gRPC NOT_FOUND). */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
