package io.pgfleet.dataplane.agent;

import io.pgfleet.proto.v1.NodeIdentity;

import java.time.Duration;

/**
 * How a node reaches its control plane.
 *
 * @param target         gRPC target, e.g. {@code localhost:8080}
 * @param plaintext      h2c without TLS (local runs and tests)
 * @param token          fleet bootstrap token; empty when the control plane requires none
 * @param statsInterval  how often stats are reported
 */
public record AgentSettings(String target, boolean plaintext, NodeIdentity identity, String token, Duration statsInterval) {
    @Override
    public String toString() {
        return "AgentSettings[" + target + ", node " + identity.getNodeId() + "]"; // never the token
    }
}
