package io.pgfleet.controlplane.fleet.spec;

/** One server of an upstream. */
public record HostSpec(String host, Integer port) {
}
