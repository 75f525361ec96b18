package io.pgfleet.controlplane.fleet;

/**
 * A request the control plane refuses, with a message shown to the caller that names no
 * secret. Each subclass is one kind of refusal; the API edges map the kind to an HTTP
 * status (problem+json) or a gRPC code in one place each.
 */
public abstract class RequestRefused extends RuntimeException {
    /** The kinds of refusal, with their HTTP status and problem title. */
    public enum Kind {
        INVALID(400, "Invalid request"),
        FORBIDDEN(403, "Forbidden"),
        NOT_FOUND(404, "Not found"),
        CONFLICT(409, "Conflict"),
        PRECONDITION_FAILED(412, "Precondition failed");

        public final int httpStatus;
        public final String title;

        Kind(int httpStatus, String title) {
            this.httpStatus = httpStatus;
            this.title = title;
        }
    }

    protected RequestRefused(String message) {
        super(message, null, false, false); // no stack trace: an expected answer, not a fault
    }

    public abstract Kind kind();
}
