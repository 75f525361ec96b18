package io.pgfleet.controlplane.nodes;

/**
 * This replica stopped holding a node's Sync stream: it ended, was superseded by a newer
 * stream of the same node id, or was ended because the fleet's token changed. Fired
 * synchronously by {@link ConfigDistributor}; the node's stats reports are no longer taken
 * here until it says hello again (see FleetStatsAggregator).
 */
public record SyncSessionEnded(String nodeId, String fleet, String bootId) {
}
