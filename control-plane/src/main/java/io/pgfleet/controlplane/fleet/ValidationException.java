package io.pgfleet.controlplane.fleet;

/** A request the control plane refuses; the message is shown to the caller and names no secret. */
public class ValidationException extends RuntimeException {
    public ValidationException(String message) {
        super(message, null, false, false);
    }
}
