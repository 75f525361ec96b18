package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Serves {@code upstream} under the route's name (another client database name), with its
 * own pool settings and optionally a fixed server login as {@code serverUser}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteSpec(String upstream, String serverUser, PoolSpec pool) {
}
