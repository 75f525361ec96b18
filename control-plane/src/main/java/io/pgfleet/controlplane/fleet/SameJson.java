package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Equality of stored specs as PostgreSQL's jsonb sees it: numbers by value, so 1.0E7 as
 * Jackson writes a double equals 10000000 as jsonb gives it back, and an unchanged PUT
 * stays a no-op.
 */
final class SameJson {
    private SameJson() {
    }

    static boolean equal(JsonNode a, JsonNode b) {
        return a.equals((x, y) -> {
            if (x.isNumber() && y.isNumber()) {
                return x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
            }
            return x.equals(y) ? 0 : 1;
        }, b);
    }
}
