package io.pgfleet.controlplane.fleet.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A PostgreSQL target, served under its resource name. {@code host}/{@code port} are a
 * shorthand for one entry in {@code hosts}; {@code serverUser} logs every client in to the
 * server as that user (PgBouncer's {@code user=} in [databases]).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpstreamSpec(List<HostSpec> hosts, String host, Integer port, String dbname, String tlsMode,
                           String tlsCaPem, String serverUser, PoolSpec pool) {
}
