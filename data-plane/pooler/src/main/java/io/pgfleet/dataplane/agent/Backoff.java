package io.pgfleet.dataplane.agent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter, so a fleet that lost its control plane does not
 * reconnect in lockstep when it comes back.
 */
final class Backoff {
    private final long baseMillis;
    private final long maxMillis;
    private int attempts;

    Backoff(Duration base, Duration max) {
        this.baseMillis = base.toMillis();
        this.maxMillis = max.toMillis();
    }

    long nextDelayMillis() {
        long ceiling = Math.min(maxMillis, baseMillis << Math.min(attempts, 20));
        attempts++;
        return ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    }

    void reset() {
        attempts = 0;
    }
}
