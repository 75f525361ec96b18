package io.pgfleet.dataplane.console;

import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.pool.PoolView;

import java.util.List;

/**
 * What the console's views are made from, taken when a command runs: the config, every
 * pool (copied under the pool lock), every client (read on its own loop), node counters.
 *
 * @param clients     every logged-in client; read only for the views that show them (else empty)
 * @param clientCount logged-in clients of pools now (console clients not included)
 */
public record ConsoleSnapshot(PoolerSettings settings, NodeConfig config, List<PoolView> pools, List<ClientView> clients,
                              int clientCount, boolean paused, long nowNanos, long nowMillis) {
    /** A monotonic {@code System.nanoTime()} instant as wall-clock milliseconds. */
    long wallMillis(long nanos) {
        return nowMillis - (nowNanos - nanos) / 1_000_000;
    }
}
