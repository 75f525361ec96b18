package io.pgfleet.dataplane.console;

import io.netty.channel.Channel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits, on a console connection's loop, until a condition holds: PAUSE until the servers
 * are gone, WAIT_CLOSE until no server needs closing. The pool manager has no event for
 * "the last server of these databases closed", so the condition is looked at every 20 ms
 * (PgBouncer likewise checks from its periodic maintenance). Gives up, without completing
 * normally, when the console client leaves.
 */
final class ConditionWait {
    static final long INTERVAL_MILLIS = 20;

    private ConditionWait() {
    }

    static CompletableFuture<Void> until(Channel channel, BooleanSupplier condition) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        check(channel, condition, done);
        return done;
    }

    private static void check(Channel channel, BooleanSupplier condition, CompletableFuture<Void> done) {
        if (!channel.isActive()) {
            done.cancel(false);
        } else if (condition.getAsBoolean()) {
            done.complete(null);
        } else {
            channel.eventLoop().schedule(() -> check(channel, condition, done), INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
