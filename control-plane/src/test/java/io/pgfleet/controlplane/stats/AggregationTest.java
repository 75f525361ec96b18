package io.pgfleet.controlplane.stats;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure parts: the contract's declarations, reset-safe deltas, merging before percentiles. */
class AggregationTest {
    @Test
    void theAggregatorIsBuiltFromTheContractsFieldOptions() {
        StatsSchema.Shape pool = StatsSchema.POOL;
        assertThat(pool.counterIndex("xact_count")).isNotNegative();
        assertThat(pool.counterIndex("cl_waiting")).isNegative();
        assertThat(pool.gaugeIndex("cl_waiting")).isNotNegative();
        assertThat(pool.gaugeIsMax(pool.gaugeIndex("maxwait_us"))).isTrue();
        assertThat(pool.gaugeIsMax(pool.gaugeIndex("cl_waiting"))).isFalse();
        assertThat(pool.histogramCount()).isEqualTo(3);
        assertThat(pool.histogramName(0)).isEqualTo("query");
        assertThat(pool.counterCount() + pool.gaugeCount() + pool.histogramCount() + 2)
                .as("every field of PoolStats is a key, a counter, a gauge or a histogram")
                .isEqualTo(io.pgfleet.proto.v1.PoolStats.getDescriptor().getFields().size());
        assertThat(StatsSchema.NODE.counterIndex("clients_accepted_total")).isNotNegative();
        assertThat(StatsSchema.SERVICE.gaugeIndex("clients")).isNotNegative();
    }

    @Test
    void deltasNeverGoNegativeAndAResetCountsFromZero() {
        assertThat(ResetSafeDeltas.delta(100, 150, false)).isEqualTo(50);
        assertThat(ResetSafeDeltas.delta(100, 100, false)).isZero();
        assertThat(ResetSafeDeltas.delta(100, 30, false)).as("smaller in the same boot: a reset").isEqualTo(30);
        assertThat(ResetSafeDeltas.delta(100, 130, true)).as("new boot: counted from 0").isEqualTo(130);
        assertThat(ResetSafeDeltas.delta(0, -5, false)).isZero();
        long[] into = new long[2];
        ResetSafeDeltas.deltas(null, new long[]{7, 9}, false, into);
        assertThat(into).as("a pool new in a known boot counted from 0").containsExactly(7, 9);
    }

    @Test
    void aSealedStepMergesThePoolsHistogramsBeforeAnyPercentile() {
        Step step = new Step("f", 0);
        Histogram fast = new Histogram(2);
        fast.recordValueWithCount(1_000, 1000);
        Histogram slow = new Histogram(2);
        slow.recordValueWithCount(100_000, 100);
        step.pool(new Keys.Pool("db", "a")).addHistogram(0, fast);
        step.pool(new Keys.Pool("db", "b")).addHistogram(0, slow);
        step.seal(null);
        Accumulator fleet = Dimension.FLEET.accumulator();
        fleet.add(step.total);
        long p99 = fleet.histogram(0).getValueAtPercentile(99);
        assertThat(p99).isBetween(99_000L, 101_000L);
        long averageOfP99s = (fast.getValueAtPercentile(99) + slow.getValueAtPercentile(99)) / 2;
        assertThat(p99).isNotEqualTo(averageOfP99s);
        assertThat(fleet.histogram(0).getTotalCount()).isEqualTo(1100);
    }

    @Test
    void addingAnEncodedHistogramGivesWhatDecodingAndAddingGives() {
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 50; round++) {
            Histogram source = new Histogram(2);
            int samples = random.nextInt(5000);
            for (int i = 0; i < samples; i++) {
                source.recordValueWithCount(1 + (long) Math.abs(random.nextGaussian() * Math.pow(10, 1 + random.nextInt(8))),
                        1 + random.nextInt(3));
            }
            byte[] bytes = Cell.encode(source);
            Histogram expected = new Histogram(2);
            Histogram actual = new Histogram(2);
            Histogram second = new Histogram(2);
            Histogram fromReport = new Histogram(2);
            if (bytes != null) {
                expected.add(Cell.decode(bytes));
                Cell.addEncoded(bytes, actual, second);
                // as a report carries it: a ByteString inside a larger message
                com.google.protobuf.ByteString inMessage = com.google.protobuf.ByteString.copyFrom(new byte[]{1, 2, 3})
                        .concat(com.google.protobuf.ByteString.copyFrom(bytes));
                Cell.addEncoded(inMessage.substring(3), fromReport);
            }
            assertThat(fromReport).isEqualTo(expected);
            assertThat(actual).isEqualTo(expected);
            assertThat(second).isEqualTo(expected);
            assertThat(actual.getTotalCount()).isEqualTo(source.getTotalCount());
            assertThat(actual.getValueAtPercentile(99)).isEqualTo(source.getValueAtPercentile(99));
        }
    }

    @Test
    void unwrittenMinutesAreDroppedByAgeNotByHowManyFleetsThereAre() {
        long now = 10 * RollupWriter.HOUR;
        java.util.ArrayDeque<MinuteSums> unwritten = new java.util.ArrayDeque<>();
        MinuteSums old = new MinuteSums("f0", now - RollupWriter.MINUTE_RETRY - RollupWriter.MINUTE);
        unwritten.add(old);
        for (int f = 0; f < 200; f++) {
            unwritten.add(new MinuteSums("f" + f, now - 2 * RollupWriter.MINUTE)); // one minute, 200 fleets
        }
        assertThat(RollupWriter.dropExpired(unwritten, now)).containsExactly(old);
        assertThat(unwritten).hasSize(200);
    }

    @Test
    void anHourIsRolledUpOnlyAfterItsLastMinuteCanNoLongerBeRetried() {
        // The hour's last minute starts at HOUR - MINUTE and may be written until MINUTE_RETRY later.
        assertThat(RollupWriter.HOUR_GRACE).isGreaterThan(RollupWriter.MINUTE_RETRY - RollupWriter.MINUTE);
    }
}
