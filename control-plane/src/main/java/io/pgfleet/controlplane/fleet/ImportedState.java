package io.pgfleet.controlplane.fleet;

import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.RouteSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.fleet.spec.UserSpec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state a PgBouncer setup amounts to ({@link PgBouncerImport}), in the order
 * the files name things.
 *
 * @param fleetPool the [pgbouncer] pool settings that differ from PgBouncer's defaults; {@link PoolSpec#NONE} if none
 * @param upstreams one per [databases] entry, by client database name
 * @param users     by user name; specs hold secrets, so never log them whole
 * @param routes    empty today: every [databases] entry becomes an upstream of its own
 * @param warnings  what was not imported or changed meaning, one line each; never a secret
 */
public record ImportedState(PoolSpec fleetPool, Map<String, UpstreamSpec> upstreams, Map<String, UserSpec> users,
                            Map<String, RouteSpec> routes, List<String> warnings) {
    public ImportedState {
        fleetPool = PoolSpec.orNone(fleetPool);
        upstreams = Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
        users = Collections.unmodifiableMap(new LinkedHashMap<>(users));
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        warnings = List.copyOf(warnings);
    }
}
