package io.pgfleet.dataplane.agent;

import java.util.List;

/**
 * Which control-plane replica the agent talks to. Every reconnect moves to the next one,
 * so a node whose replica died finds a live one without knowing which failed, and nodes
 * spread over the replicas as they reconnect. Used from the agent's one thread.
 */
final class TargetRotation {
    private final List<String> targets;
    private int index;

    TargetRotation(List<String> targets) {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no control-plane target");
        }
        this.targets = List.copyOf(targets);
    }

    String current() {
        return targets.get(index);
    }

    /** Moves on (wrapping around) and returns the new target. */
    String advance() {
        index = (index + 1) % targets.size();
        return current();
    }
}
