package io.pgfleet.controlplane.fleet;

/**
 * Fired in this replica after a change to one fleet's desired state has committed. Other
 * replicas learn of it from the NOTIFY on channel {@code pgfleet_config} (payload
 * {@code <fleet>:<revision>}) that the same transaction sends.
 */
public record ConfigChanged(String fleet, long revision) {
    public static final String CHANNEL = "pgfleet_config";
}
