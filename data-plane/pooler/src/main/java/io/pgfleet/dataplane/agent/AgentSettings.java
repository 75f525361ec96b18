package io.pgfleet.dataplane.agent;

import io.pgfleet.proto.v1.NodeIdentity;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How a node reaches its control plane.
 *
 * @param targets        gRPC targets of the control plane's replicas, e.g. {@code cp1:8080}; the agent
 *                       moves to the next one on every reconnect
 * @param plaintext      h2c without TLS (local runs and tests)
 * @param token          fleet bootstrap token; empty when the control plane requires none
 * @param statsInterval  how often stats are reported
 */
public record AgentSettings(List<String> targets, boolean plaintext, NodeIdentity identity, String token, Duration statsInterval) {
    public AgentSettings {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("at least one control-plane target (host:port) is needed");
        }
    }

    /** @param targets one target or a comma-separated list of them ({@code pgfleet.node.control-plane}) */
    public AgentSettings(String targets, boolean plaintext, NodeIdentity identity, String token, Duration statsInterval) {
        this(parseTargets(targets), plaintext, identity, token, statsInterval);
    }

    /** {@code "cp1:8080, cp2:8080"} as its targets; blanks around commas are ignored, empty entries refused. */
    public static List<String> parseTargets(String list) {
        List<String> targets = Arrays.stream(list.split(",", -1)).map(String::strip).toList();
        if (targets.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("control-plane target list '" + list + "' has an empty entry");
        }
        return targets;
    }

    @Override
    public String toString() {
        return "AgentSettings[" + targets + ", node " + identity.getNodeId() + "]"; // never the token
    }
}
