package io.pgfleet.controlplane.stats;

import java.util.HashMap;
import java.util.Map;

/**
 * One time step (the report interval, 10 s by default) of one fleet: per pool, per node and
 * per service what happened in it, and once sealed the fleet's total. Open steps change under
 * the aggregator's lock; sealed ones never change.
 */
final class Step {
    final String fleet;
    final long startMs;
    final Map<Keys.Pool, Cell> pools = new HashMap<>();
    final Map<String, Cell> nodes = new HashMap<>();
    final Map<Keys.Service, Cell> services = new HashMap<>();
    /** The fleet's total; set when sealed. */
    volatile Cell total;
    volatile boolean sealed;
    /** Reports that went into this step. */
    int reports;

    Step(String fleet, long startMs) {
        this.fleet = fleet;
        this.startMs = startMs;
    }

    Cell pool(Keys.Pool key) {
        return pools.computeIfAbsent(key, k -> Cell.pool());
    }

    Cell node(String nodeId) {
        return nodes.computeIfAbsent(nodeId, k -> Cell.node());
    }

    Cell service(Keys.Service key) {
        return services.computeIfAbsent(key, k -> Cell.service());
    }

    /**
     * Computes the fleet total (merging the pools' histograms), adds every cell to the
     * minute's sums (when given) while its histograms are still live, and compresses every cell.
     */
    void seal(MinuteSums minute) {
        Cell sum = Cell.node();
        for (Cell pool : pools.values()) {
            sum.addOpen(pool);
        }
        for (Cell node : nodes.values()) {
            sum.addNodeCounters(node.nodeCounters);
        }
        if (minute != null) {
            minute.add(Dimension.FLEET, SeriesKey.FLEET, sum);
            pools.forEach((p, cell) -> minute.add(Dimension.POOL, new SeriesKey("", p.database(), p.user(), ""), cell));
            nodes.forEach((n, cell) -> minute.add(Dimension.NODE, new SeriesKey(n, "", "", ""), cell));
            services.forEach((k, cell) -> minute.add(Dimension.SERVICE,
                    new SeriesKey("", k.database(), k.user(), k.applicationName()), cell));
        }
        sum.seal();
        pools.values().forEach(Cell::seal);
        nodes.values().forEach(Cell::seal);
        services.values().forEach(Cell::seal);
        total = sum;
        sealed = true;
    }
}
