package io.pgfleet.dataplane.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PgBouncer's time values. A plain number counts seconds and may have a fraction
 * ({@code 0.5}); PgBouncer 1.25 also takes a unit after the number ({@code 100ms},
 * {@code 5s}, {@code 10min}, {@code 1h}), with PostgreSQL's unit names.
 */
public final class PgBouncerDuration {
    private static final Pattern VALUE = Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)\\s*([a-z]*)");
    private static final Map<String, BigDecimal> NANOS_PER_UNIT = Map.of(
            "", BigDecimal.valueOf(1_000_000_000L),
            "us", BigDecimal.valueOf(1_000L),
            "ms", BigDecimal.valueOf(1_000_000L),
            "s", BigDecimal.valueOf(1_000_000_000L),
            "min", BigDecimal.valueOf(60_000_000_000L),
            "h", BigDecimal.valueOf(3_600_000_000_000L),
            "d", BigDecimal.valueOf(86_400_000_000_000L));

    private PgBouncerDuration() {
    }

    /** The duration a value stands for; throws with a reason (not the value) when it is not one. */
    public static Duration parse(String value) {
        Matcher m = VALUE.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a time (seconds, or a number with us, ms, s, min, h or d)");
        }
        BigDecimal perUnit = NANOS_PER_UNIT.get(m.group(2));
        if (perUnit == null) {
            throw new IllegalArgumentException("unknown time unit '" + m.group(2) + "' (us, ms, s, min, h or d)");
        }
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(perUnit).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("time too large");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }
}
