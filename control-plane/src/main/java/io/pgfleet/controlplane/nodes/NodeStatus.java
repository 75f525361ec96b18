package io.pgfleet.controlplane.nodes;

/** Where a node stands with its config. */
public enum NodeStatus {
    /** Connected and has acknowledged the latest push. */
    SYNCED,
    /** Connected, but a push has gone unacknowledged for too long. */
    STALE,
    /** Connected; refused part of its latest push (see last error). */
    REJECTED,
    /** No open Sync stream; the node serves its last config, if it is still running. */
    DISCONNECTED
}
