package io.pgfleet.controlplane.api.rest;

import io.pgfleet.controlplane.fleet.ConflictException;
import io.pgfleet.controlplane.fleet.ForbiddenException;
import io.pgfleet.controlplane.fleet.NotFoundException;
import io.pgfleet.controlplane.fleet.PreconditionFailedException;
import io.pgfleet.controlplane.fleet.ValidationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every API error leaves as application/problem+json; internal details stay in the log. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response validation(ValidationException e) {
        return problem(400, "Invalid request", e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return problem(404, "Not found", e.getMessage());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problem(403, "Forbidden", e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(ConflictException e) {
        return problem(409, "Conflict", e.getMessage());
    }

    @ServerExceptionMapper
    public Response preconditionFailed(PreconditionFailedException e) {
        return problem(412, "Precondition failed", e.getMessage());
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected API error", e);
        return problem(500, "Internal error", "the control plane failed to handle the request; see its log");
    }

    static Response problem(int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", title, status, detail)).build();
    }
}
