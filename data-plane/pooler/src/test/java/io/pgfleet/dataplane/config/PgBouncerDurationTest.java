package io.pgfleet.dataplane.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgBouncerDurationTest {

    @Test
    void plainNumbersAreSecondsAndMayHaveAFraction() {
        assertThat(PgBouncerDuration.parse("15")).isEqualTo(Duration.ofSeconds(15));
        assertThat(PgBouncerDuration.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(PgBouncerDuration.parse("0.5")).isEqualTo(Duration.ofMillis(500));
        assertThat(PgBouncerDuration.parse("5.0")).isEqualTo(Duration.ofSeconds(5));
        assertThat(PgBouncerDuration.parse(".25")).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void unitsAsInPgBouncer125() {
        assertThat(PgBouncerDuration.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(PgBouncerDuration.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(PgBouncerDuration.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(PgBouncerDuration.parse("10min")).isEqualTo(Duration.ofMinutes(10));
        assertThat(PgBouncerDuration.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(PgBouncerDuration.parse("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(PgBouncerDuration.parse("1.5min")).isEqualTo(Duration.ofSeconds(90));
        assertThat(PgBouncerDuration.parse("30 s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(PgBouncerDuration.parse("1H")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void rejectsWhatIsNotATime() {
        assertThatThrownBy(() -> PgBouncerDuration.parse("soon")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgBouncerDuration.parse("-5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgBouncerDuration.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PgBouncerDuration.parse("5m")).hasMessageContaining("unknown time unit 'm'");
        assertThatThrownBy(() -> PgBouncerDuration.parse("99999999999999d")).hasMessageContaining("too large");
    }
}
