package io.pgfleet.dataplane.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.nio.ByteBuffer;

/**
 * One latency distribution of a pool, in microseconds. Any event loop records into it
 * without a lock (HdrHistogram's {@link Recorder}); one reader at a time takes what came
 * since it last asked, as a histogram the control plane can merge with other nodes' before
 * it takes percentiles.
 */
public final class LatencyRecorder {
    /** 2 significant digits: 1% resolution at every magnitude, a few KB per histogram. */
    public static final int SIGNIFICANT_DIGITS = 2;

    /** Not packed: a few KB more per histogram for fewer instructions per recorded value on the hot path. */
    private final Recorder recorder = new Recorder(SIGNIFICANT_DIGITS, false);
    private Histogram recycled;

    public void record(long micros) {
        recorder.recordValue(Math.max(0, micros));
    }

    /**
     * What was recorded since the previous call. The caller may keep the histogram until its
     * next call, which reuses it. Not thread-safe: one reader (the stats reporter).
     */
    public synchronized Histogram takeInterval() {
        recycled = (Histogram) recorder.getIntervalHistogram(recycled);
        return recycled;
    }

    /** The wire form of the stats stream: HdrHistogram's compressed encoding, empty when nothing was recorded. */
    public static byte[] encode(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new byte[0];
        }
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return bytes;
    }
}
