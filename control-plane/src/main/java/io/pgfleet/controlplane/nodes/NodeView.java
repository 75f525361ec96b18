package io.pgfleet.controlplane.nodes;

import java.time.Instant;
import java.util.Map;

/** A node as the registry sees it at one moment. */
public record NodeView(String nodeId, String bootId, String fleet, String address, String build,
                       Map<String, String> labels, Instant lastSeen, long appliedGeneration,
                       NodeStatus status, String lastError, long clientConnections, long serverConnections) {
}
