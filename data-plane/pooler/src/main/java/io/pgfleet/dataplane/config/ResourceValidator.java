package io.pgfleet.dataplane.config;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.HostPort;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.Upstream;

/**
 * Decides whether a node can serve a resource. The control plane runs the same code
 * before it accepts a change, so what its API accepts a node accepts too.
 */
public final class ResourceValidator {
    private ResourceValidator() {
    }

    /** Null when the resource is valid, else a reason fit to show an operator (never a secret). */
    public static String problem(Resource resource) {
        if (resource.getKey().getName().isEmpty()) {
            return "resource name must not be empty";
        }
        return switch (resource.getBodyCase()) {
            case UPSTREAM -> resource.getKey().getType() == ResourceType.UPSTREAM ? upstreamProblem(resource.getUpstream()) : typeMismatch();
            case CREDENTIAL -> resource.getKey().getType() == ResourceType.CREDENTIAL
                    ? credentialProblem(resource.getKey().getName(), resource.getCredential()) : typeMismatch();
            case POOL, ROUTE -> "resource type " + resource.getKey().getType() + " is not served by this node version yet";
            case BODY_NOT_SET -> "resource has no body";
        };
    }

    private static String typeMismatch() {
        return "resource body does not match its key's type";
    }

    static String upstreamProblem(Upstream upstream) {
        if (upstream.getHostsCount() == 0) {
            return "upstream has no host";
        }
        for (HostPort host : upstream.getHostsList()) {
            if (host.getHost().isBlank()) {
                return "upstream host must not be empty";
            }
            if (host.getPort() < 1 || host.getPort() > 65535) {
                return "upstream port " + host.getPort() + " is out of range 1-65535";
            }
        }
        return null;
    }

    static String credentialProblem(String name, Credential credential) {
        if (!credential.getUsername().equals(name)) {
            return "credential username must equal the resource name";
        }
        if (credential.getScramVerifier().isEmpty()) {
            return "credential has no SCRAM verifier";
        }
        try {
            ScramVerifier.parse(credential.getScramVerifier());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }
}
