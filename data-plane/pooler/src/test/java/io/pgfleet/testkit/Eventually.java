package io.pgfleet.testkit;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a bound passes. For behaviour driven by the node's
 * once-a-second sweeps: the bound says "soon enough", never "exactly this fast".
 */
public final class Eventually {
    private Eventually() {
    }

    /** Waits until the condition is true; fails with the description when {@code within} passes first. */
    public static void await(Duration within, Supplier<Boolean> condition) {
        await(within, "condition", condition);
    }

    public static void await(Duration within, String description, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.get())) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("not true within " + within + ": " + description);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + description, e);
            }
        }
    }
}
