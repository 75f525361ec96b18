package io.pgfleet.dataplane.config;

/** One server address of an upstream. */
public record HostAndPort(String host, int port) {
    public HostAndPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 1-65535");
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
