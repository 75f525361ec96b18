package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.security.ApiTokens;
import io.pgfleet.controlplane.security.CurrentCaller;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** API tokens (admin only). A token is shown once, in the answer to its creation. */
@Path("/api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RequiresRole(Role.ADMIN)
public class TokenResource {
    @Inject
    ApiTokens tokens;
    @Inject
    CurrentCaller current;

    public record TokenRequest(String name, String role) {
    }

    @POST
    public Response create(TokenRequest request) {
        if (request == null) {
            throw new ValidationException("request body is required: {\"name\": ..., \"role\": \"viewer|operator|admin\"}");
        }
        ApiTokens.CreatedToken created = tokens.create(request.name(), request.role(), current.get());
        return Response.status(Response.Status.CREATED).entity(created).build();
    }

    @GET
    public List<ApiTokens.TokenInfo> list() {
        return tokens.list();
    }

    @DELETE
    @Path("/{name}")
    public Response revoke(@PathParam("name") String name) {
        tokens.revoke(name);
        return Response.noContent().build();
    }
}
