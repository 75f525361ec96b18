package io.pgfleet.controlplane.fleet;

/** A request the control plane refuses; the message is shown to the caller and names no secret. */
public class ValidationException extends RequestRefused {
    public ValidationException(String message) {
        super(message);
    }

    @Override
    public Kind kind() {
        return Kind.INVALID;
    }
}
