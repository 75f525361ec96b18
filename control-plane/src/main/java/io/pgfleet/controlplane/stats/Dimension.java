package io.pgfleet.controlplane.stats;

import io.pgfleet.controlplane.fleet.ValidationException;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What a range query groups by; also the {@code kind} of a rollup row. */
public enum Dimension {
    FLEET(StatsSchema.POOL, true),
    NODE(StatsSchema.POOL, true),
    POOL(StatsSchema.POOL, false),
    SERVICE(StatsSchema.SERVICE, false);

    final StatsSchema.Shape shape;
    final boolean nodeCounters;

    Dimension(StatsSchema.Shape shape, boolean nodeCounters) {
        this.shape = shape;
        this.nodeCounters = nodeCounters;
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    Accumulator accumulator() {
        return new Accumulator(shape, nodeCounters);
    }

    public static Dimension parse(String value) {
        if (value == null || value.isBlank()) {
            return FLEET;
        }
        for (Dimension d : values()) {
            if (d.id().equals(value.strip())) {
                return d;
            }
        }
        throw new ValidationException("by must be one of " + Arrays.stream(values()).map(Dimension::id)
                .collect(Collectors.joining(", ")) + "; got \"" + value + "\"");
    }

    /** A series key as the API shows it. */
    static Map<String, String> key(Dimension d, String node, String database, String user, String applicationName) {
        Map<String, String> key = new LinkedHashMap<>();
        switch (d) {
            case FLEET -> {
            }
            case NODE -> key.put("node", node);
            case POOL -> {
                key.put("database", database);
                key.put("user", user);
            }
            case SERVICE -> {
                key.put("database", database);
                key.put("user", user);
                key.put("application_name", applicationName);
            }
        }
        return key;
    }

    static Function<Keys.Pool, Map<String, String>> poolKey() {
        return p -> key(POOL, null, p.database(), p.user(), null);
    }
}
