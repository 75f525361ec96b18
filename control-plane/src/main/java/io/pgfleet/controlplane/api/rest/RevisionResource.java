package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.FleetService;
import io.pgfleet.controlplane.fleet.FleetService.RevisionEntry;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The audit trail: who changed what, when, with before and after (secrets redacted). */
@Path("/api/v1/revisions")
@Produces(MediaType.APPLICATION_JSON)
public class RevisionResource {
    @Inject
    FleetService fleets;

    /** Newest first; page with {@code before} = the last revision seen. */
    @GET
    public List<RevisionEntry> list(@QueryParam("fleet") String fleet, @QueryParam("before") @DefaultValue("0") long before,
                                    @QueryParam("limit") @DefaultValue("50") int limit) {
        return fleets.revisions(fleet == null || fleet.isBlank() ? null : fleet, before, limit);
    }
}
