package io.pgfleet.dataplane.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The traffic of one (database, user) pool since the node started: PgBouncer's SHOW STATS
 * totals plus latency histograms. Updated from the client event loops without a lock;
 * read by the admin console, the node's metrics and the stats stream.
 *
 * <p>Definitions follow PgBouncer's: a query is one round trip that ends in ReadyForQuery
 * (a simple Query, or extended-protocol messages up to Sync); a transaction ends at a
 * ReadyForQuery that says idle, so a statement outside BEGIN counts as one transaction;
 * wait time runs from a client asking for a server to getting one.
 */
public final class PoolStats {
    private final LongAdder assignments = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder queries = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder transactionMicros = new LongAdder();
    private final LongAdder queryMicros = new LongAdder();
    private final LongAdder waitMicros = new LongAdder();
    private final LongAdder clientParses = new LongAdder();
    private final LongAdder binds = new LongAdder();
    private final LatencyRecorder queryLatency = new LatencyRecorder();
    private final LatencyRecorder transactionLatency = new LatencyRecorder();
    private final LatencyRecorder waitLatency = new LatencyRecorder();
    /** Volatile: the node's metrics may start watching after the pool was made. */
    private volatile LatencyObserver observer;
    private final ServiceCounters services = new ServiceCounters();

    public PoolStats(LatencyObserver observer) {
        this.observer = observer;
    }

    /** From now on {@code observer} sees this pool's latencies. */
    public void observeWith(LatencyObserver observer) {
        this.observer = observer;
    }

    /** A server was handed to one of the pool's clients after it waited {@code micros}. */
    public void serverAssigned(long waitedMicros) {
        assignments.increment();
        waitMicros.add(waitedMicros);
        waitLatency.record(waitedMicros);
        observer.waited(waitedMicros);
    }

    public void queryDone(long micros) {
        queries.increment();
        queryMicros.add(micros);
        queryLatency.record(micros);
        observer.query(micros);
    }

    /** @param applicationName the client's application_name now ("" when none): per-service counts */
    public void transactionDone(long micros, String applicationName) {
        transactions.increment();
        transactionMicros.add(micros);
        transactionLatency.record(micros);
        observer.transaction(micros);
        services.record(applicationName, micros);
    }

    /** Transactions per application_name. */
    public ServiceCounters services() {
        return services;
    }

    public void received(int bytes) {
        bytesReceived.add(bytes);
    }

    public void sent(int bytes) {
        bytesSent.add(bytes);
    }

    public void clientParse() {
        clientParses.increment();
    }

    public void bind() {
        binds.increment();
    }

    public LatencyRecorder queryLatency() {
        return queryLatency;
    }

    public LatencyRecorder transactionLatency() {
        return transactionLatency;
    }

    public LatencyRecorder waitLatency() {
        return waitLatency;
    }

    /**
     * The counters now. Each is read on its own, so a snapshot taken while traffic flows may
     * have a query counted whose time is not yet added; the next one has both.
     *
     * @param serverParses statements the node prepared on servers (from the pool's session stats)
     */
    public Totals totals(long serverParses) {
        return new Totals(assignments.sum(), transactions.sum(), queries.sum(), bytesReceived.sum(), bytesSent.sum(),
                transactionMicros.sum(), queryMicros.sum(), waitMicros.sum(), clientParses.sum(), serverParses,
                binds.sum());
    }

    /** SHOW STATS's total_* columns, in its order and units (bytes, microseconds). */
    public record Totals(long serverAssignments, long transactions, long queries, long bytesReceived, long bytesSent,
                         long transactionMicros, long queryMicros, long waitMicros, long clientParses,
                         long serverParses, long binds) {
        public static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        public Totals plus(Totals o) {
            return new Totals(serverAssignments + o.serverAssignments, transactions + o.transactions,
                    queries + o.queries, bytesReceived + o.bytesReceived, bytesSent + o.bytesSent,
                    transactionMicros + o.transactionMicros, queryMicros + o.queryMicros, waitMicros + o.waitMicros,
                    clientParses + o.clientParses, serverParses + o.serverParses, binds + o.binds);
        }

        public Totals minus(Totals o) {
            return new Totals(serverAssignments - o.serverAssignments, transactions - o.transactions,
                    queries - o.queries, bytesReceived - o.bytesReceived, bytesSent - o.bytesSent,
                    transactionMicros - o.transactionMicros, queryMicros - o.queryMicros, waitMicros - o.waitMicros,
                    clientParses - o.clientParses, serverParses - o.serverParses, binds - o.binds);
        }
    }
}
