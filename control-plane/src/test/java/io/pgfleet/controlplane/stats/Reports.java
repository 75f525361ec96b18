package io.pgfleet.controlplane.stats;

import com.google.protobuf.ByteString;
import io.pgfleet.proto.v1.NodeStats;
import io.pgfleet.proto.v1.PoolStats;
import io.pgfleet.proto.v1.ServiceStats;
import io.pgfleet.proto.v1.StatsReport;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;

/** Building StatsReports the way a node does. */
final class Reports {
    private Reports() {
    }

    static StatsReport report(String node, String boot, PoolStats... pools) {
        StatsReport.Builder b = StatsReport.newBuilder().setNodeId(node).setBootId(boot).setTimestampMs(System.currentTimeMillis())
                .setNode(NodeStats.newBuilder().setClientConnections(pools.length).setClientsAcceptedTotal(10));
        for (PoolStats p : pools) {
            b.addPools(p);
            b.addServices(ServiceStats.newBuilder().setDatabase(p.getDatabase()).setUser(p.getUser()).setApplicationName("app")
                    .setClients(p.getClActive()).setXactCount(p.getXactCount()).setXactTimeUs(p.getXactTimeUs()));
        }
        return b.build();
    }

    /** A pool with cumulative counters: {@code xacts} transactions, as many queries, 1 ms each. */
    static PoolStats.Builder pool(String database, String user, long xacts) {
        return PoolStats.newBuilder().setDatabase(database).setUser(user).setXactCount(xacts).setQueryCount(xacts)
                .setXactTimeUs(xacts * 1000).setQueryTimeUs(xacts * 1000).setServerAssignmentCount(xacts).setWaitTimeUs(xacts * 10);
    }

    /** {@code count} samples of {@code micros} µs, encoded as a node sends them. */
    static ByteString histogram(long micros, long count) {
        Histogram h = new Histogram(2);
        h.recordValueWithCount(micros, count);
        return encode(h);
    }

    static ByteString encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return ByteString.copyFrom(buf.array(), 0, n);
    }
}
