package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** Upstreams: the PostgreSQL targets nodes serve, by the database name clients use. */
@Path("/api/v1/upstreams")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UpstreamResource {
    @Inject
    FleetService fleet;

    /** Request body of PUT; dbname defaults to the upstream's name. */
    public record UpstreamRequest(String host, Integer port, String dbname) {
    }

    @GET
    public List<FleetService.UpstreamView> list() {
        return fleet.listUpstreams();
    }

    /** Creates or replaces an upstream. Idempotent. */
    @PUT
    @Path("/{name}")
    @RequiresRole(Role.OPERATOR)
    public FleetService.UpstreamView put(@PathParam("name") String name, UpstreamRequest request) {
        if (request == null) {
            throw new io.pgfleet.controlplane.fleet.ValidationException("request body is required: {\"host\": ..., \"port\": ..., \"dbname\": ...}");
        }
        return fleet.putUpstream(name, request.host(), request.port() == null ? 5432 : request.port(), request.dbname());
    }
}
