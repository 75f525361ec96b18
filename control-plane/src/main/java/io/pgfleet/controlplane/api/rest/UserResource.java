package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** Users clients log in as. Passwords are write-only: accepted here, never returned. */
@Path("/api/v1/users")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UserResource {
    @Inject
    FleetService fleet;

    public record UserRequest(String password) {
        @Override
        public String toString() {
            return "UserRequest[password redacted]";
        }
    }

    @GET
    public List<FleetService.UserView> list() {
        return fleet.listUsers();
    }

    /** Creates a user or sets its password. Idempotent. */
    @PUT
    @Path("/{name}")
    @RequiresRole(Role.OPERATOR)
    public FleetService.UserView put(@PathParam("name") String name, UserRequest request) {
        if (request == null) {
            throw new ValidationException("request body is required: {\"password\": ...}");
        }
        return fleet.putUser(name, request.password());
    }
}
