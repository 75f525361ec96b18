package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgfleet.controlplane.fleet.spec.FleetSpec;
import io.pgfleet.controlplane.fleet.spec.HostSpec;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.RouteSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.fleet.spec.UserSpec;
import io.pgfleet.controlplane.security.SecretCipher;
import io.pgfleet.controlplane.security.Sha256;
import io.pgfleet.dataplane.auth.ScramVerifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Locale;

/**
 * Turns API specs into what is stored (normalized, secrets sealed or hashed) and stored
 * specs into what the API shows (secrets replaced by "(set)"). Write-only secrets that a
 * PUT leaves out are kept, so a user's pool settings can change without resending its
 * password.
 */
@ApplicationScoped
public class SpecCodec {
    static final String SET = "(set)";
    private static final List<String> TLS_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    /** Strict: a misspelt key is an error, not a silently ignored setting. */
    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Inject
    SecretCipher cipher;

    ObjectMapper json() {
        return json;
    }

    /** The stored form of a spec sent to PUT; {@code current} is what is stored now (null when new). */
    JsonNode toStored(ResourceKind kind, String name, JsonNode request, JsonNode current) {
        if (request == null || !request.isObject()) {
            throw new ValidationException("request body must be a JSON object");
        }
        return switch (kind) {
            case FLEET -> json.valueToTree(fleet(read(request, FleetSpec.class), current == null ? null : read(current, StoredFleet.class)));
            case UPSTREAM -> json.valueToTree(upstream(name, read(request, UpstreamSpec.class)));
            case USER -> json.valueToTree(user(name, read(request, UserSpec.class), current == null ? null : read(current, StoredUser.class)));
            case ROUTE -> json.valueToTree(route(read(request, RouteSpec.class)));
        };
    }

    /** What the API shows of a stored spec: no secret, not even a hash. */
    JsonNode view(ResourceKind kind, JsonNode stored) {
        if (stored == null) {
            return null;
        }
        ObjectNode view = stored.deepCopy();
        switch (kind) {
            case FLEET -> {
                if (view.remove("bootstrapTokenSha256") != null) {
                    view.put("bootstrapToken", SET);
                }
            }
            case USER -> {
                if (view.remove("serverPasswordSealed") != null) {
                    view.put("password", SET);
                }
                if (view.remove("scramVerifier") != null) {
                    view.put("scramVerifier", SET);
                }
            }
            default -> {
            }
        }
        return view;
    }

    <T> T read(JsonNode node, Class<T> type) {
        try {
            return json.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ValidationException("unknown field \"" + e.getPropertyName() + "\"");
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // Jackson's message may quote input, which may be a secret: say only where it broke.
            String where = e instanceof JsonProcessingException jpe && jpe.getCause() == null && !jpe.getOriginalMessage().isEmpty()
                    ? fieldPath(jpe) : "the request";
            throw new ValidationException("malformed value in " + where);
        }
    }

    private static String fieldPath(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            return "field \"" + m.getPath().stream().map(r -> r.getFieldName() == null ? "[" + r.getIndex() + "]" : r.getFieldName())
                    .reduce((a, b) -> a + "." + b).orElse("") + "\"";
        }
        return "the request";
    }

    private static StoredFleet fleet(FleetSpec spec, StoredFleet current) {
        String tokenHash;
        if (spec.bootstrapToken() == null) {
            tokenHash = current == null ? null : current.bootstrapTokenSha256(); // write-only: absent keeps it
        } else if (spec.bootstrapToken().isEmpty()) {
            tokenHash = null; // "" removes it
        } else {
            if (spec.bootstrapToken().length() < 16) {
                throw new ValidationException("bootstrapToken must be at least 16 characters");
            }
            tokenHash = Sha256.hex(spec.bootstrapToken());
        }
        return new StoredFleet(spec.description(), pool(spec.pool()), tokenHash);
    }

    private static UpstreamSpec upstream(String name, UpstreamSpec spec) {
        List<HostSpec> hosts;
        if (spec.hosts() != null && !spec.hosts().isEmpty()) {
            if (spec.host() != null || spec.port() != null) {
                throw new ValidationException("give either hosts or host/port, not both");
            }
            hosts = spec.hosts().stream().map(h -> new HostSpec(h.host(), h.port() == null ? 5432 : h.port())).toList();
        } else if (spec.host() != null) {
            hosts = List.of(new HostSpec(spec.host(), spec.port() == null ? 5432 : spec.port()));
        } else {
            throw new ValidationException("upstream needs a host (\"host\" or \"hosts\")");
        }
        String tlsMode = spec.tlsMode() == null ? null : spec.tlsMode().toLowerCase(Locale.ROOT);
        if (tlsMode != null && !TLS_MODES.contains(tlsMode)) {
            throw new ValidationException("tlsMode must be one of " + String.join(", ", TLS_MODES));
        }
        String dbname = spec.dbname() == null || spec.dbname().isBlank() ? name : spec.dbname();
        return new UpstreamSpec(hosts, null, null, dbname, tlsMode, emptyToNull(spec.tlsCaPem()),
                emptyToNull(spec.serverUser()), pool(spec.pool()));
    }

    private StoredUser user(String name, UserSpec spec, StoredUser current) {
        if (spec.console() != null && !spec.console().equals("stats") && !spec.console().equals("admin")) {
            throw new ValidationException("console must be \"stats\" (SHOW commands) or \"admin\" (every command); leave it out for none");
        }
        return userCredentials(name, spec, current).withConsole(spec.console());
    }

    private StoredUser userCredentials(String name, UserSpec spec, StoredUser current) {
        PoolSpec pool = pool(spec.pool());
        if (spec.password() != null && spec.scramVerifier() != null) {
            throw new ValidationException("give either password or scramVerifier, not both");
        }
        if (spec.password() != null) {
            if (spec.password().isEmpty()) {
                throw new ValidationException("password must not be empty");
            }
            if (current != null && current.serverPasswordSealed() != null
                    && spec.password().equals(cipher.decrypt(current.serverPasswordSealed()))) {
                return new StoredUser(current.scramVerifier(), current.serverPasswordSealed(), pool, null); // same password: no change
            }
            // PBKDF2 runs here once, so nodes never need the password to check clients.
            String verifier = ScramVerifier.fromPassword(spec.password(), ScramVerifier.DEFAULT_ITERATIONS).format();
            return new StoredUser(verifier, cipher.encrypt(spec.password()), pool, null);
        }
        if (spec.scramVerifier() != null) {
            try {
                ScramVerifier.parse(spec.scramVerifier());
            } catch (IllegalArgumentException e) {
                throw new ValidationException("scramVerifier is not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
            }
            return new StoredUser(spec.scramVerifier(), null, pool, null);
        }
        if (current == null) {
            throw new ValidationException("user " + name + " needs a password or a scramVerifier");
        }
        return new StoredUser(current.scramVerifier(), current.serverPasswordSealed(), pool, null); // write-only: absent keeps them
    }

    private static RouteSpec route(RouteSpec spec) {
        if (spec.upstream() == null || spec.upstream().isBlank()) {
            throw new ValidationException("route needs an upstream");
        }
        return new RouteSpec(spec.upstream(), emptyToNull(spec.serverUser()), pool(spec.pool()));
    }

    /** An empty pool is stored as absent, so "no settings" has one form. */
    private static PoolSpec pool(PoolSpec pool) {
        return pool == null || pool.isEmpty() ? null : pool;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
