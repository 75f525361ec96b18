package io.pgfleet.dataplane.client;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.console.ConsoleServices;
import io.pgfleet.dataplane.pool.PoolManager;
import io.pgfleet.dataplane.stats.NodeCounters;

/** What every client connection of one node shares. */
public record PoolerContext(PoolerSettings settings, ConfigHolder config, PoolManager pools,
                            ClientRegistry clients, NodeCounters counters, ConsoleServices console) {
}
