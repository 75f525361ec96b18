package io.pgfleet.controlplane.fleet;

import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.RouteSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.fleet.spec.UserSpec;

import java.util.List;
import java.util.Map;

/** What a pgbouncer.ini and its userlist.txt describe, as desired state (see PgBouncerImport). */
public record ImportedState(PoolSpec fleetPool, Map<String, UpstreamSpec> upstreams, Map<String, UserSpec> users,
                            Map<String, RouteSpec> routes, List<String> warnings) {
}
