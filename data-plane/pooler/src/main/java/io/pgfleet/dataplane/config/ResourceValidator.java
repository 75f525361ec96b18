package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.HostPort;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.Route;
import io.pgfleet.proto.v1.TlsMode;
import io.pgfleet.proto.v1.Upstream;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * Decides whether a node can serve a resource on its own (references to other resources
 * are checked when the node maps its whole set, see the agent's ResourceMapping). The
 * control plane runs the same code before it accepts a change, so what its API accepts a
 * node accepts too; its messages reach API users, so they name the field and value and
 * never a secret.
 */
public final class ResourceValidator {
    /** The name of the one FLEET-scope pool a node holds. */
    public static final String FLEET_POOL = "fleet";

    private ResourceValidator() {
    }

    /** Null when the resource is valid, else a reason fit to show an operator (never a secret). */
    public static String problem(Resource resource) {
        String name = resource.getKey().getName();
        if (name.isEmpty()) {
            return "resource name must not be empty";
        }
        ResourceType type = resource.getKey().getType();
        return switch (resource.getBodyCase()) {
            case UPSTREAM -> type == ResourceType.UPSTREAM ? upstreamProblem(name, resource.getUpstream()) : typeMismatch();
            case CREDENTIAL -> type == ResourceType.CREDENTIAL ? credentialProblem(name, resource.getCredential()) : typeMismatch();
            case POOL -> type == ResourceType.POOL ? PoolRules.problem(name, resource.getPool()) : typeMismatch();
            case ROUTE -> type == ResourceType.ROUTE ? routeProblem(name, resource.getRoute()) : typeMismatch();
            case BODY_NOT_SET -> "resource has no body";
        };
    }

    private static String typeMismatch() {
        return "resource body does not match its key's type";
    }

    static String upstreamProblem(String name, Upstream upstream) {
        if (upstream.getHostsCount() == 0) {
            return "upstream \"" + name + "\" has no host";
        }
        for (HostPort host : upstream.getHostsList()) {
            if (host.getHost().isBlank()) {
                return "upstream \"" + name + "\": host must not be empty";
            }
            if (host.getPort() < 1 || host.getPort() > 65535) {
                return "upstream \"" + name + "\": port " + host.getPort() + " is out of range 1-65535";
            }
        }
        boolean verifies = upstream.getTlsMode() == TlsMode.VERIFY_CA || upstream.getTlsMode() == TlsMode.VERIFY_FULL;
        if (verifies && upstream.getTlsCaPem().isBlank()) {
            return "upstream \"" + name + "\": tlsMode " + tlsModeName(upstream.getTlsMode()) + " needs tlsCaPem (the CA that signed the server's certificate)";
        }
        if (!upstream.getTlsCaPem().isBlank()) {
            String pemProblem = pemProblem(upstream.getTlsCaPem());
            if (pemProblem != null) {
                return "upstream \"" + name + "\": tlsCaPem " + pemProblem;
            }
        }
        return null;
    }

    /** libpq's name of a mode, as the API spells it. */
    public static String tlsModeName(TlsMode mode) {
        return mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static String pemProblem(String pem) {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            return "is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)";
        }
        try {
            var certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            return certificates.isEmpty() ? "holds no certificate" : null;
        } catch (CertificateException e) {
            return "does not parse as a PEM certificate: " + e.getMessage();
        }
    }

    static String credentialProblem(String name, Credential credential) {
        if (!credential.getUsername().equals(name)) {
            return "credential username \"" + credential.getUsername() + "\" must equal the resource name \"" + name + "\"";
        }
        if (credential.getScramVerifier().isEmpty()) {
            // Clients are always checked against a verifier; a password alone is turned into
            // one by the control plane, so a credential without one is a broken sender.
            return "user \"" + name + "\" has no SCRAM verifier";
        }
        try {
            ScramVerifier.parse(credential.getScramVerifier());
        } catch (IllegalArgumentException e) {
            return "user \"" + name + "\": invalid scramVerifier: " + e.getMessage();
        }
        if (credential.hasServerSecret() && credential.getServerSecret().hasPassword()
                && credential.getServerSecret().getPassword().isEmpty()) {
            return "user \"" + name + "\": the server password is set but empty";
        }
        return null;
    }

    static String routeProblem(String name, Route route) {
        if (!route.getDatabase().equals(name)) {
            return "route \"" + name + "\": database \"" + route.getDatabase() + "\" must equal the route's name";
        }
        if (!route.getUser().isEmpty()) {
            return "route \"" + name + "\": per-user routes are not supported (user \"" + route.getUser() + "\")";
        }
        if (route.getUpstream().isEmpty()) {
            return "route \"" + name + "\": upstream must be set";
        }
        return null;
    }
}
