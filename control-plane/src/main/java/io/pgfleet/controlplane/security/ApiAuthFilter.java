package io.pgfleet.controlplane.security;

import io.pgfleet.controlplane.api.rest.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.Method;
import java.util.Optional;

/**
 * Authenticates every REST call under {@code /api/}: {@code Authorization: Bearer <token>}.
 * A missing or unknown token gets 401, a token whose role is too low 403, both as
 * problem+json; neither answer (nor any log line) contains the presented token. The role a
 * method needs comes from {@link RequiresRole}; the caller is then available from
 * {@link CurrentCaller}.
 *
 * <p>Runs after resource matching and, for blocking endpoints (all of ours), on the worker
 * thread, so the token lookup may use the database.
 */
public class ApiAuthFilter {
    static final String CHALLENGE = "Bearer realm=\"pgfleet\"";

    @Inject
    ApiTokens tokens;
    @Inject
    CurrentCaller current;

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request, ResourceInfo resource) {
        String path = request.getUriInfo().getPath();
        if (!(path.startsWith("/api/") || path.startsWith("api/"))) {
            return null;
        }
        Optional<Caller> caller = tokens.authenticateHeader(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (caller.isEmpty()) {
            return problem(401, "Unauthorized", "missing or invalid API token; send Authorization: Bearer <token>")
                    .header(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE).build();
        }
        Role needed = neededRole(request.getMethod(), resource.getResourceMethod(), resource.getResourceClass());
        if (!caller.get().role().includes(needed)) {
            return problem(403, "Forbidden", "this call needs the " + ApiTokens.roleName(needed) + " role; token \""
                    + caller.get().name() + "\" has the " + ApiTokens.roleName(caller.get().role()) + " role").build();
        }
        current.set(caller.get());
        return null;
    }

    /** The method's {@link RequiresRole}, else its class's, else viewer for GET/HEAD and admin for anything else. */
    static Role neededRole(String httpMethod, Method method, Class<?> resourceClass) {
        RequiresRole annotation = method == null ? null : method.getAnnotation(RequiresRole.class);
        if (annotation == null && resourceClass != null) {
            annotation = resourceClass.getAnnotation(RequiresRole.class);
        }
        if (annotation != null) {
            return annotation.value();
        }
        return HttpMethod.GET.equals(httpMethod) || HttpMethod.HEAD.equals(httpMethod) ? Role.VIEWER : Role.ADMIN;
    }

    private static Response.ResponseBuilder problem(int status, String title, String detail) {
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(new Problem("about:blank", title, status, detail));
    }
}
