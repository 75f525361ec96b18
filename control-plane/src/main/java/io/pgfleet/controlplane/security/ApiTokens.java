package io.pgfleet.controlplane.security;

import io.pgfleet.controlplane.fleet.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.NotFoundException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API tokens: create (the token is returned once), list, revoke, and authenticate a
 * presented token. Only a token's SHA-256 is stored. A bootstrap admin token may come from
 * configuration ({@code pgfleet.api.admin-token}); it authenticates as
 * {@code Caller("admin-token", ADMIN)}.
 *
 * <p>Nothing here puts a presented or created token into an exception or the log.
 */
@ApplicationScoped
public class ApiTokens {
    /** Prefix of every generated token, so that leaked tokens are easy to recognise (secret scanners). */
    public static final String TOKEN_PREFIX = "pgf_";
    /** The caller name of the configured bootstrap admin token; no stored token may take it. */
    public static final String BOOTSTRAP_NAME = "admin-token";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final int TOKEN_BYTES = 32;

    private final SecureRandom random = new SecureRandom();
    private final Optional<byte[]> bootstrapSha256;

    public ApiTokens(@ConfigProperty(name = "pgfleet.api.admin-token") Optional<String> adminToken) {
        this.bootstrapSha256 = adminToken.map(String::strip).filter(t -> !t.isEmpty()).map(Sha256::digest);
    }

    /** What a token listing shows: never the token or its hash. */
    public record TokenInfo(String name, String role, OffsetDateTime createdAt, String createdBy) {
    }

    /** The answer to a create: the only time the token is shown. */
    public record CreatedToken(String name, String role, String token) {
        @Override
        public String toString() {
            return "CreatedToken[" + name + ", " + role + ", token redacted]";
        }
    }

    @Transactional
    public CreatedToken create(String name, String role, Caller createdBy) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException("token name must start with a letter or digit and contain only letters, digits, _, . or - (at most 63)");
        }
        if (BOOTSTRAP_NAME.equals(name)) {
            throw new ValidationException("token name \"" + BOOTSTRAP_NAME + "\" is reserved for the configured admin token");
        }
        Role parsed = parseRole(role);
        if (ApiTokenEntity.findById(name) != null) {
            throw new ValidationException("an API token named \"" + name + "\" already exists; revoke it first");
        }
        byte[] raw = new byte[TOKEN_BYTES];
        random.nextBytes(raw);
        String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        ApiTokenEntity entity = new ApiTokenEntity();
        entity.name = name;
        entity.role = roleName(parsed);
        entity.tokenSha256 = Sha256.digest(token);
        entity.createdAt = OffsetDateTime.now();
        entity.createdBy = createdBy.name();
        entity.persist();
        return new CreatedToken(name, entity.role, token);
    }

    @Transactional
    public List<TokenInfo> list() {
        return ApiTokenEntity.<ApiTokenEntity>listAll().stream()
                .map(e -> new TokenInfo(e.name, e.role, e.createdAt, e.createdBy))
                .sorted(java.util.Comparator.comparing(TokenInfo::name)).toList();
    }

    /** Revokes the token; it stops working at once on every replica (nothing is cached). */
    @Transactional
    public void revoke(String name) {
        if (name == null || !ApiTokenEntity.deleteById(name)) {
            throw new NotFoundException("no API token named \"" + name + "\"");
        }
    }

    /** The caller a presented token (without "Bearer ") stands for, or empty when it is unknown. */
    @Transactional
    public Optional<Caller> authenticate(String presented) {
        if (presented == null || presented.isBlank()) {
            return Optional.empty();
        }
        byte[] hash = Sha256.digest(presented.strip());
        if (bootstrapSha256.isPresent() && MessageDigest.isEqual(bootstrapSha256.get(), hash)) {
            return Optional.of(new Caller(BOOTSTRAP_NAME, Role.ADMIN));
        }
        ApiTokenEntity entity = ApiTokenEntity.<ApiTokenEntity>find("tokenSha256", hash).firstResult();
        if (entity == null || !MessageDigest.isEqual(entity.tokenSha256, hash)) {
            return Optional.empty();
        }
        return Optional.of(new Caller(entity.name, Role.valueOf(entity.role.toUpperCase(Locale.ROOT))));
    }

    /** The caller an {@code Authorization} header value ({@code Bearer <token>}) stands for. */
    public Optional<Caller> authenticateHeader(String authorization) {
        String token = bearerToken(authorization);
        return token == null ? Optional.empty() : authenticate(token);
    }

    /** The token of a {@code Bearer} authorization value, or null. The scheme is case-insensitive. */
    public static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = value.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    public static Role parseRole(String role) {
        if (role != null) {
            for (Role r : Role.values()) {
                if (roleName(r).equals(role)) {
                    return r;
                }
            }
        }
        throw new ValidationException("role must be one of viewer, operator, admin");
    }

    public static String roleName(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
