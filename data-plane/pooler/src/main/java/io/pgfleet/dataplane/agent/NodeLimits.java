package io.pgfleet.dataplane.agent;

import io.pgfleet.proto.v1.Resource;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * What this node can take that the control plane cannot know: a fleet's max_client_conn
 * above this process's open-file limit would be accepted and then fail clients with
 * "too many open files" under load, so the node refuses it (PgBouncer only warns at start).
 * The control plane shows the refusal on this node only; nodes with a higher limit apply it.
 */
final class NodeLimits {
    /** Descriptors kept for server connections, the listener, gRPC, logs and the JVM. */
    static final long RESERVED_DESCRIPTORS = 64;

    private final long openFileLimit;

    NodeLimits(long openFileLimit) {
        this.openFileLimit = openFileLimit;
    }

    /** This process's limit (RLIMIT_NOFILE), or no limit where the JVM cannot tell. */
    static NodeLimits ofThisProcess() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return new NodeLimits(unix.getMaxFileDescriptorCount());
        }
        return new NodeLimits(Long.MAX_VALUE);
    }

    /** Why this node cannot serve the resource, or null. */
    String problem(Resource resource) {
        if (!resource.hasPool() || !resource.getPool().hasMaxClientConn()) {
            return null;
        }
        long wanted = resource.getPool().getMaxClientConn();
        long possible = openFileLimit - RESERVED_DESCRIPTORS;
        if (wanted > possible) {
            return "max_client_conn " + wanted + " is more than this node can hold: its open-file limit is " + openFileLimit
                    + " (" + RESERVED_DESCRIPTORS + " kept for servers and itself); raise `ulimit -n` for the node or lower max_client_conn";
        }
        return null;
    }
}
