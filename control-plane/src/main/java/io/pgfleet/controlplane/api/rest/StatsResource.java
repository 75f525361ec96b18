package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import io.pgfleet.controlplane.stats.StatsQueries;
import io.pgfleet.controlplane.stats.StatsResult;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The fleet-wide SHOW STATS over a range and SHOW POOLS now (docs/fleet-stats.md).
 */
@Path("/api/v1/stats")
@Produces(MediaType.APPLICATION_JSON)
@RequiresRole(Role.VIEWER)
@Blocking
public class StatsResource {
    @Inject
    StatsQueries queries;

    /**
     * Totals, rates, averages and latency percentiles over [from, to) in steps, for the fleet
     * or by node, pool or service. {@code from}/{@code to}: ISO-8601 instants or epoch
     * milliseconds; {@code step}: seconds or a duration like {@code 10s}, {@code 1m}, {@code PT1H}.
     */
    @GET
    @Path("{fleet}")
    public StatsResult.Range range(@PathParam("fleet") String fleet, @QueryParam("by") String by,
                                   @QueryParam("from") String from, @QueryParam("to") String to,
                                   @QueryParam("step") String step, @QueryParam("histograms") boolean histograms,
                                   @QueryParam("source") String source) {
        return queries.range(new StatsQueries.RangeQuery(fleet, by, instant("from", from), instant("to", to),
                duration("step", step), histograms, source));
    }

    /** The gauges now, summed (or maxed) over the nodes that are up, and per node. */
    @GET
    @Path("{fleet}/pools")
    public StatsResult.Pools pools(@PathParam("fleet") String fleet, @QueryParam("node") String node) {
        return queries.pools(fleet, node);
    }

    static Long instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(v);
            }
            return Instant.parse(v).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new ValidationException(name + " must be an ISO-8601 instant (2026-01-01T00:00:00Z) or epoch milliseconds");
        }
    }

    static Long duration(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        try {
            long ms;
            if (v.chars().allMatch(Character::isDigit)) {
                ms = Long.parseLong(v) * 1000;
            } else if (v.startsWith("P") || v.startsWith("p")) {
                ms = Duration.parse(v).toMillis();
            } else {
                char unit = v.charAt(v.length() - 1);
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                ms = switch (unit) {
                    case 's' -> n * 1000;
                    case 'm' -> n * 60_000;
                    case 'h' -> n * 3_600_000;
                    case 'd' -> n * 86_400_000;
                    default -> throw new NumberFormatException();
                };
            }
            if (ms <= 0) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new ValidationException(name + " must be a positive duration: seconds, or like 10s, 5m, 1h, PT1M");
        }
    }
}
