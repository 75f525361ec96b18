package io.pgfleet.dataplane.console;

/**
 * What the admin console needs beyond the pools and clients: the program's RELOAD and
 * SHUTDOWN, the console connections themselves (for SHOW CLIENTS), and the stats period
 * (for the averages). One per node.
 */
public record ConsoleServices(NodeActions actions, ConsoleSessions sessions, StatsPeriod statsPeriod) {
}
