package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.pool.PoolManager;
import io.pgfleet.dataplane.pool.PoolView;

import java.util.List;

/**
 * What the console's views are made from, taken when a command runs: the config, every
 * pool (copied under the pool lock), every client (read on its own loop), node counters.
 *
 * @param clients        every logged-in client of a pool; read only for the views that show them (else empty)
 * @param consoleClients the admin console connections (SHOW CLIENTS lists them under database pgbouncer)
 * @param clientCount    logged-in clients of pools now (console clients not included)
 * @param state          PAUSE and DISABLE in effect
 * @param stats          the last complete stats period, for the averages
 */
public record ConsoleSnapshot(PoolerSettings settings, NodeConfig config, List<PoolView> pools, List<ClientView> clients,
                              List<ClientView> consoleClients, int clientCount, PoolManager.AdminState state,
                              StatsPeriod.Window stats, long nowNanos, long nowMillis) {
    /** A monotonic {@code System.nanoTime()} instant as wall-clock milliseconds. */
    long wallMillis(long nanos) {
        return nowMillis - (nowNanos - nanos) / 1_000_000;
    }

    /** A snapshot of a node with nothing: for the column names of each view. */
    static ConsoleSnapshot empty() {
        return new ConsoleSnapshot(null, NodeConfig.EMPTY, List.of(), List.of(), List.of(), 0,
                PoolManager.AdminState.NONE, new StatsPeriod.Window(java.util.Map.of(), java.util.Map.of(), 0, 1), 0, 0);
    }
}
