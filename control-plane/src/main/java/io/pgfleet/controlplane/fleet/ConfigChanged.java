package io.pgfleet.controlplane.fleet;

/** Fired after a change to the desired state has committed. */
public record ConfigChanged(long revision) {
}
