package io.pgfleet.controlplane.api.rest;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** What /q/openapi says about the API as a whole: every call needs a bearer API token. */
@OpenAPIDefinition(
        info = @Info(title = "pgfleet control plane API", version = "v1",
                description = "Desired state of pooler fleets, revisions, import and the node registry. See docs/control-plane.md."),
        security = @SecurityRequirement(name = ApiDocumentation.TOKEN))
@SecurityScheme(securitySchemeName = ApiDocumentation.TOKEN, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An API token (POST /api/v1/tokens, or pgfleet.api.admin-token); roles viewer, operator, admin")
public class ApiDocumentation extends Application {
    static final String TOKEN = "apiToken";
}
