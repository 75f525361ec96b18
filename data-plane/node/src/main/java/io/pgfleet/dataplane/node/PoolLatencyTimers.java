package io.pgfleet.dataplane.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgfleet.dataplane.pool.PoolKey;
import io.pgfleet.dataplane.stats.LatencyObserver;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The pools' latencies as Prometheus histograms, per (database, user):
 * {@code pgfleet_query_duration_seconds}, {@code pgfleet_transaction_duration_seconds} and
 * {@code pgfleet_server_wait_duration_seconds}, each with {@code _bucket{le}}, {@code _count},
 * {@code _sum} (and Micrometer's {@code _max}). Fixed buckets from 1 ms to 60 s (le values in plain decimals), the same on
 * every node, so Prometheus can sum them over nodes before taking a quantile. Meters are
 * made once per pool, when the pool is made; recording is lock-free, fit for an event loop.
 */
final class PoolLatencyTimers implements LatencyObserver.Factory {
    static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;

    PoolLatencyTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public LatencyObserver forPool(PoolKey key) {
        Timer query = timer("pgfleet_query_duration", key,
                "Query time through the pooler: from a query reaching a server to its ReadyForQuery");
        Timer transaction = timer("pgfleet_transaction_duration", key,
                "Transaction time: from the first query of a transaction to the ReadyForQuery that ends it");
        Timer wait = timer("pgfleet_server_wait_duration", key,
                "Time a client waited for a server connection of its pool");
        return new LatencyObserver() {
            @Override
            public void query(long micros) {
                query.record(micros, TimeUnit.MICROSECONDS);
            }

            @Override
            public void transaction(long micros) {
                transaction.record(micros, TimeUnit.MICROSECONDS);
            }

            @Override
            public void waited(long micros) {
                wait.record(micros, TimeUnit.MICROSECONDS);
            }
        };
    }

    private Timer timer(String name, PoolKey key, String description) {
        return Timer.builder(name).description(description)
                .tag("database", key.database()).tag("user", key.user())
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }
}
