package io.pgfleet.controlplane.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.FleetService.ChangeResult;
import io.pgfleet.controlplane.fleet.FleetService.ResourceView;
import io.pgfleet.controlplane.fleet.ResourceKind;
import io.pgfleet.controlplane.fleet.ValidationException;
import io.pgfleet.controlplane.security.CurrentCaller;
import io.pgfleet.controlplane.security.RequiresRole;
import io.pgfleet.controlplane.security.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * Fleets and everything in them: upstreams, users and routes (docs/control-plane.md).
 * Writes answer with what changed and the revision taken; reads carry the revision as ETag.
 */
@Path("/api/v1/fleets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FleetResource {
    @Inject
    FleetService fleets;
    @Inject
    CurrentCaller callers;

    public record RollbackRequest(Long toRevision) {
    }

    public record ImportRequest(String pgbouncerIni, String userlist) {
        @Override
        public String toString() {
            return "ImportRequest[contents redacted]";
        }
    }

    @GET
    public List<ResourceView> listFleets() {
        return fleets.list(null, ResourceKind.FLEET);
    }

    @GET
    @Path("/{fleet}")
    public Response getFleet(@PathParam("fleet") String fleet) {
        return found(fleets.get(fleet, ResourceKind.FLEET, fleet));
    }

    @PUT
    @Path("/{fleet}")
    @RequiresRole(Role.ADMIN)
    public Response putFleet(@PathParam("fleet") String fleet, JsonNode spec, @HeaderParam("If-Match") String ifMatch,
                             @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        return written(fleets.put(callers.get(), fleet, ResourceKind.FLEET, fleet, spec, Etags.ifMatch(ifMatch), dryRun));
    }

    @DELETE
    @Path("/{fleet}")
    @RequiresRole(Role.ADMIN)
    public Response deleteFleet(@PathParam("fleet") String fleet, @HeaderParam("If-Match") String ifMatch,
                                @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        return Response.ok(fleets.delete(callers.get(), fleet, ResourceKind.FLEET, fleet, Etags.ifMatch(ifMatch), dryRun)).build();
    }

    @GET
    @Path("/{fleet}/{collection}")
    public List<ResourceView> list(@PathParam("fleet") String fleet, @PathParam("collection") String collection) {
        return fleets.list(fleet, ResourceKind.ofCollection(collection));
    }

    @GET
    @Path("/{fleet}/{collection}/{name}")
    public Response get(@PathParam("fleet") String fleet, @PathParam("collection") String collection, @PathParam("name") String name) {
        return found(fleets.get(fleet, ResourceKind.ofCollection(collection), name));
    }

    /** Creates (201) or replaces (200) a resource. The same spec twice takes no new revision. */
    @PUT
    @Path("/{fleet}/{collection}/{name}")
    @RequiresRole(Role.OPERATOR)
    public Response put(@PathParam("fleet") String fleet, @PathParam("collection") String collection, @PathParam("name") String name,
                        JsonNode spec, @HeaderParam("If-Match") String ifMatch,
                        @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        return written(fleets.put(callers.get(), fleet, ResourceKind.ofCollection(collection), name, spec, Etags.ifMatch(ifMatch), dryRun));
    }

    @DELETE
    @Path("/{fleet}/{collection}/{name}")
    @RequiresRole(Role.OPERATOR)
    public ChangeResult delete(@PathParam("fleet") String fleet, @PathParam("collection") String collection, @PathParam("name") String name,
                               @HeaderParam("If-Match") String ifMatch, @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        return fleets.delete(callers.get(), fleet, ResourceKind.ofCollection(collection), name, Etags.ifMatch(ifMatch), dryRun);
    }

    @POST
    @Path("/{fleet}/rollback")
    @RequiresRole(Role.OPERATOR)
    public ChangeResult rollback(@PathParam("fleet") String fleet, RollbackRequest request,
                                 @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        if (request == null || request.toRevision() == null) {
            throw new ValidationException("request body is required: {\"toRevision\": <revision>}");
        }
        return fleets.rollback(callers.get(), fleet, request.toRevision(), dryRun);
    }

    /** Adds what a pgbouncer.ini (and its userlist.txt) describes to the fleet. */
    @POST
    @Path("/{fleet}/import")
    @RequiresRole(Role.OPERATOR)
    public ChangeResult importPgBouncer(@PathParam("fleet") String fleet, ImportRequest request,
                                        @QueryParam("dryRun") @DefaultValue("false") boolean dryRun) {
        if (request == null || request.pgbouncerIni() == null) {
            throw new ValidationException("request body is required: {\"pgbouncerIni\": \"...\", \"userlist\": \"...\"}");
        }
        return fleets.importPgBouncer(callers.get(), fleet, request.pgbouncerIni(), request.userlist(), dryRun);
    }

    private static Response found(ResourceView view) {
        return Response.ok(view).tag(Etags.of(view.revision())).build();
    }

    private static Response written(ChangeResult result) {
        boolean created = !result.dryRun() && result.changes().size() == 1 && "create".equals(result.changes().get(0).action());
        Response.ResponseBuilder response = Response.status(created ? 201 : 200).entity(result);
        if (!result.dryRun() && result.revision() > 0) {
            response.tag(Etags.of(result.revision()));
        }
        return response.build();
    }
}
