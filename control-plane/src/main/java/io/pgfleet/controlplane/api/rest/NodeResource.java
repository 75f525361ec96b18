package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.nodes.NodeView;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The node registry: who is connected and how far each node's config has got. */
@Path("/api/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
@RequiresRole(Role.VIEWER)
public class NodeResource {
    @Inject
    NodeRegistry registry;

    @GET
    public List<NodeView> list() {
        return registry.list();
    }
}
