package io.pgfleet.controlplane.stats;

/**
 * Differences between two readings of cumulative counters that never go negative and never
 * spike: the rules of the contract's {@code COUNTER}.
 *
 * <ul>
 *   <li>same boot, value not smaller: the difference;</li>
 *   <li>new boot of a node seen before, or a smaller value in the same boot: a reset, the
 *       new process (or pool) counted from 0, so the whole value is the delta;</li>
 *   <li>no previous reading of the node at all (the first report this replica sees):
 *       a baseline, delta 0 — otherwise everything since the node's boot would land in one
 *       step.</li>
 * </ul>
 */
public final class ResetSafeDeltas {
    private ResetSafeDeltas() {
    }

    /** The delta of one counter; {@code previous} is ignored when {@code reset}. */
    public static long delta(long previous, long current, boolean reset) {
        if (current < 0) {
            return 0;
        }
        if (reset || current < previous) {
            return current;
        }
        return current - previous;
    }

    /**
     * Fills {@code into} with the deltas from {@code previous} to {@code current}.
     *
     * @param previous the previous reading of this series in the same boot, or null when the
     *                 series is new in a boot this replica already knows (it counted from 0)
     * @param reset    the node's boot changed since the previous report
     */
    public static void deltas(long[] previous, long[] current, boolean reset, long[] into) {
        for (int i = 0; i < current.length; i++) {
            into[i] = delta(previous == null ? 0 : previous[i], current[i], reset || previous == null);
        }
    }
}
