package io.pgfleet.dataplane.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Node-wide counters (cumulative since boot) and gauges, updated from the event loops. */
public final class NodeCounters {
    private final LongAdder clientsAccepted = new LongAdder();
    private final LongAdder loginFailures = new LongAdder();
    private final AtomicLong clientConnections = new AtomicLong();
    private final AtomicLong serverConnections = new AtomicLong();

    public void clientAccepted() {
        clientsAccepted.increment();
        clientConnections.incrementAndGet();
    }

    public void clientClosed() {
        clientConnections.decrementAndGet();
    }

    public void loginFailed() {
        loginFailures.increment();
    }

    public void serverOpened() {
        serverConnections.incrementAndGet();
    }

    public void serverClosed() {
        serverConnections.decrementAndGet();
    }

    public long clientsAcceptedTotal() {
        return clientsAccepted.sum();
    }

    public long loginFailuresTotal() {
        return loginFailures.sum();
    }

    public long clientConnections() {
        return clientConnections.get();
    }

    public long serverConnections() {
        return serverConnections.get();
    }
}
