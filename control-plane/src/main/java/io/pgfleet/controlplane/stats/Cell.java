package io.pgfleet.controlplane.stats;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * What one key (the fleet, a pool, a node or a service) did in one time step: the sums of
 * its counters' reset-safe deltas and its latency histograms merged. While the step is open
 * the histograms are live {@link Histogram}s; {@link #seal()} compresses them (HdrHistogram's
 * compressed encoding, a few hundred bytes instead of tens of kB) and the cell no longer
 * changes, so queries read sealed cells without locks.
 */
public final class Cell {
    static final int DIGITS = 2;

    final long[] counters;
    /** NodeStats counters, for fleet and node cells; null for pools and services. */
    final long[] nodeCounters;
    private Histogram[] live;
    private volatile byte[][] sealed;

    Cell(int counters, int nodeCounters, int histograms) {
        this.counters = new long[counters];
        this.nodeCounters = nodeCounters > 0 ? new long[nodeCounters] : null;
        this.live = histograms > 0 ? new Histogram[histograms] : null;
    }

    static Cell pool() {
        return new Cell(StatsSchema.POOL.counterCount(), 0, StatsSchema.POOL.histogramCount());
    }

    static Cell node() {
        return new Cell(StatsSchema.POOL.counterCount(), StatsSchema.NODE.counterCount(), StatsSchema.POOL.histogramCount());
    }

    static Cell service() {
        return new Cell(StatsSchema.SERVICE.counterCount(), 0, 0);
    }

    void addCounters(long[] deltas) {
        for (int i = 0; i < deltas.length; i++) {
            counters[i] += deltas[i];
        }
    }

    void addNodeCounters(long[] deltas) {
        for (int i = 0; i < deltas.length; i++) {
            nodeCounters[i] += deltas[i];
        }
    }

    void addHistogram(int i, Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return;
        }
        if (live[i] == null) {
            live[i] = new Histogram(DIGITS);
        }
        live[i].add(h);
    }

    /** The live histogram {@code i}, created when missing (open cells only). */
    Histogram liveHistogram(int i) {
        if (live[i] == null) {
            live[i] = new Histogram(DIGITS);
        }
        return live[i];
    }

    /** Adds another open cell's numbers (its live histograms) into this one. */
    void addOpen(Cell other) {
        addCounters(other.counters);
        if (nodeCounters != null && other.nodeCounters != null) {
            addNodeCounters(other.nodeCounters);
        }
        if (live != null && other.live != null) {
            for (int i = 0; i < live.length; i++) {
                addHistogram(i, other.live[i]);
            }
        }
    }

    /** Adds this open cell (counters and live histograms) into {@code acc}. */
    void addOpenTo(Accumulator acc) {
        acc.addCounters(counters);
        acc.addNodeCounters(nodeCounters);
        if (live != null) {
            for (int i = 0; i < live.length; i++) {
                acc.addHistogram(i, live[i]);
            }
        }
    }

    void seal() {
        if (live == null) {
            sealed = new byte[0][];
            return;
        }
        byte[][] out = new byte[live.length][];
        for (int i = 0; i < live.length; i++) {
            out[i] = encode(live[i]);
        }
        live = null;
        sealed = out;
    }

    /** Drops the histograms of a sealed cell (old node cells keep only counters). */
    void dropHistograms() {
        if (sealed != null) {
            sealed = new byte[0][];
        }
    }

    boolean hasHistograms() {
        byte[][] s = sealed;
        return s != null && s.length > 0;
    }

    /** The compressed histogram {@code i} of a sealed cell; null when it had no samples or was dropped. */
    byte[] compressed(int i) {
        byte[][] s = sealed;
        return s == null || i >= s.length ? null : s[i];
    }

    /** Adds this sealed cell's histogram {@code i} into {@code into}. */
    void mergeInto(int i, Histogram into) {
        byte[] bytes = compressed(i);
        if (bytes != null) {
            into.add(decode(bytes));
        }
    }

    static byte[] encode(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buf);
        byte[] out = new byte[length];
        buf.flip();
        buf.get(out);
        return out;
    }

    /**
     * Adds an encoded histogram into every one of {@code targets} without building a
     * Histogram object for it (ingest decodes ~15,000 of them a second at 1,000 nodes; one
     * object each would be ~10 kB of garbage). Same result as {@code target.add(decode(bytes))}.
     */
    static void addEncoded(byte[] bytes, Histogram... targets) {
        if (bytes == null || bytes.length == 0) {
            return;
        }
        try {
            DECODER.get().addInto(ByteBuffer.wrap(bytes), targets);
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not a compressed HdrHistogram: " + e.getMessage());
        }
    }

    /** {@link #addEncoded(byte[], Histogram...)} straight from a report's bytes, without copying them. */
    static void addEncoded(com.google.protobuf.ByteString bytes, Histogram... targets) {
        if (bytes == null || bytes.isEmpty()) {
            return;
        }
        try {
            DECODER.get().addInto(bytes.asReadOnlyByteBuffer(), targets);
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not a compressed HdrHistogram: " + e.getMessage());
        }
    }

    /** Per thread: one Inflater and one buffer, reused (a new Inflater per histogram costs more than the decoding). */
    private static final ThreadLocal<Decoder> DECODER = ThreadLocal.withInitial(Decoder::new);

    /** A node's encoded histogram; null for no samples. Throws IllegalArgumentException when it is not one. */
    static Histogram decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try {
            return DECODER.get().decode(bytes);
        } catch (DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not a compressed HdrHistogram: " + e.getMessage());
        }
    }

    /**
     * HdrHistogram's compressed encoding is a cookie, the length of what follows, and the
     * deflated uncompressed encoding. Inflates that with a reused Inflater and decodes it
     * with {@link Histogram#decodeFromByteBuffer}; same result as
     * {@link Histogram#decodeFromCompressedByteBuffer}.
     */
    private static final class Decoder {
        private final java.util.zip.Inflater inflater = new java.util.zip.Inflater();
        private byte[] buffer = new byte[16 * 1024];
        /** Where {@link #nextCount} reads next in {@link #buffer}. */
        private int pos;

        Histogram decode(byte[] bytes) throws DataFormatException {
            int n = inflate(bytes);
            return Histogram.decodeFromByteBuffer(ByteBuffer.wrap(buffer, 0, n), 0);
        }

        /**
         * The uncompressed V2 encoding: cookie, payload length, normalizing index offset,
         * significant digits, lowest discernible value, highest trackable value, the
         * integer-to-double ratio (40 bytes), then the counts by index as ZigZag LEB128,
         * a run of zeros written as its negated length. Histograms other than the nodes'
         * (offset 0, lowest 1) take the general path.
         */
        void addInto(ByteBuffer bytes, Histogram[] targets) throws DataFormatException {
            int n = inflate(bytes);
            ByteBuffer in = ByteBuffer.wrap(buffer, 0, n);
            in.getInt(); // cookie
            int payload = in.getInt();
            int offset = in.getInt();
            int digits = in.getInt();
            long lowest = in.getLong();
            in.getLong(); // highest trackable
            in.getDouble();
            if (offset != 0 || lowest != 1 || digits < 0 || digits > 5 || payload < 0 || payload > n - 40) {
                Histogram h = Histogram.decodeFromByteBuffer(ByteBuffer.wrap(buffer, 0, n), 0);
                for (Histogram t : targets) {
                    t.add(h);
                }
                return;
            }
            long largestSingleUnit = 2 * (long) Math.pow(10, digits);
            int subBucketCountMagnitude = (int) Math.ceil(Math.log(largestSingleUnit) / Math.log(2));
            int subBucketHalfCountMagnitude = Math.max(subBucketCountMagnitude, 1) - 1;
            int subBucketHalfCount = 1 << subBucketHalfCountMagnitude;
            int end = 40 + payload;
            // First pass: the highest value, so that each target grows once, not bucket by bucket.
            long highest = -1;
            long index = 0;
            for (pos = 40; pos < end; ) {
                long count = nextCount();
                if (count < 0) {
                    index += -count;
                } else {
                    if (count > 0) {
                        highest = index;
                    }
                    index++;
                }
            }
            if (highest < 0) {
                return;
            }
            long highestValue = valueAt(highest, subBucketHalfCountMagnitude, subBucketHalfCount);
            for (Histogram t : targets) {
                if (highestValue > t.getHighestTrackableValue()) {
                    t.recordValueWithCount(highestValue, 0); // grows it; the same value is recorded below
                }
            }
            pos = 40;
            index = 0;
            while (pos < end) {
                long count = nextCount();
                if (count < 0) {
                    index += -count;
                    continue;
                }
                if (count > 0) {
                    long value = valueAt(index, subBucketHalfCountMagnitude, subBucketHalfCount);
                    for (Histogram t : targets) {
                        t.recordValueWithCount(value, count);
                    }
                }
                index++;
            }
        }

        /** The count at {@link #pos} in {@link #buffer}: ZigZag LEB128, at most 9 bytes (the 9th carries 8 bits). */
        private long nextCount() {
            long v = 0;
            int shift = 0;
            int b;
            do {
                b = buffer[pos++];
                if (shift == 56) {
                    v |= ((long) (b & 0xFF)) << 56;
                    break;
                }
                v |= ((long) (b & 0x7F)) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            return (v >>> 1) ^ -(v & 1);
        }

        private static long valueAt(long index, int subBucketHalfCountMagnitude, int subBucketHalfCount) {
            long bucketIndex = (index >> subBucketHalfCountMagnitude) - 1;
            long subBucketIndex = (index & (subBucketHalfCount - 1)) + subBucketHalfCount;
            if (bucketIndex < 0) {
                subBucketIndex -= subBucketHalfCount;
                bucketIndex = 0;
            }
            return subBucketIndex << bucketIndex;
        }

        private int inflate(byte[] bytes) throws DataFormatException {
            return inflate(ByteBuffer.wrap(bytes));
        }

        private int inflate(ByteBuffer in) throws DataFormatException {
            in = in.slice();
            in.getInt(); // cookie; decodeFromByteBuffer checks the inner one
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new DataFormatException("bad length " + length);
            }
            inflater.reset();
            in.limit(8 + length);
            inflater.setInput(in);
            int n = 0;
            while (!inflater.finished()) {
                if (n == buffer.length) {
                    if (buffer.length >= 64 * 1024 * 1024) {
                        throw new DataFormatException("too large");
                    }
                    buffer = java.util.Arrays.copyOf(buffer, buffer.length * 2);
                }
                int got = inflater.inflate(buffer, n, buffer.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("truncated");
                }
                n += got;
            }
            return n;
        }
    }
}
