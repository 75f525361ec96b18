package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.nodes.NodeView;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The node registry: every node any replica has seen, and how far each node's config has got. */
@Path("/api/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
@RequiresRole(Role.VIEWER)
public class NodeResource {
    @Inject
    NodeRegistry registry;

    /** Nodes of one fleet, or of every fleet without {@code fleet}. */
    @GET
    public List<NodeView> list(@QueryParam("fleet") String fleet) {
        return registry.list(fleet);
    }

    @GET
    @Path("{id}")
    public NodeView get(@PathParam("id") String id) {
        return registry.find(id).orElseThrow(() -> new NotFoundException("node " + id + " is not registered"));
    }
}
