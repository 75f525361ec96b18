package io.pgfleet.controlplane.fleet;

import io.pgfleet.controlplane.security.SecretCipher;
import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.ResourceValidator;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The desired state: upstreams and users. Owns the transactions; every change takes a
 * revision in its own transaction and announces itself once committed.
 */
@ApplicationScoped
public class FleetService implements io.pgfleet.controlplane.nodes.DesiredState {
    /** PostgreSQL identifiers as clients type them: no quoting needed, at most 63 bytes. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");

    @Inject
    Revisions revisions;
    @Inject
    SecretCipher cipher;
    @Inject
    Event<ConfigChanged> changes;

    public record UpstreamView(String name, String host, int port, String dbname, long revision) {
    }

    public record UserView(String name, long revision) {
    }

    @Transactional
    public UpstreamView putUpstream(String name, String host, int port, String dbname) {
        requireName("upstream name", name);
        String database = dbname == null || dbname.isBlank() ? name : dbname;
        long revision = revisions.next();
        String problem = ResourceValidator.problem(ResourceMapper.upstream(name, host == null ? "" : host, port, database, revision));
        if (problem != null) {
            throw new ValidationException(problem);
        }
        UpstreamEntity entity = UpstreamEntity.findById(name);
        if (entity == null) {
            entity = new UpstreamEntity();
            entity.name = name;
        }
        entity.host = host;
        entity.port = port;
        entity.dbname = database;
        entity.revision = revision;
        entity.updatedAt = OffsetDateTime.now();
        entity.persist();
        changes.fire(new ConfigChanged("default", revision));
        return new UpstreamView(entity.name, entity.host, entity.port, entity.dbname, entity.revision);
    }

    /**
     * Stores the user's SCRAM verifier (for nodes to check clients) and the password
     * encrypted (for nodes to log in to servers). PBKDF2 runs here, on a worker thread.
     */
    @Transactional
    public UserView putUser(String name, String password) {
        requireName("user name", name);
        if (password == null || password.isEmpty()) {
            throw new ValidationException("password must not be empty");
        }
        long revision = revisions.next();
        String verifier = ScramVerifier.fromPassword(password, ScramVerifier.DEFAULT_ITERATIONS).format();
        UserEntity entity = UserEntity.findById(name);
        if (entity == null) {
            entity = new UserEntity();
            entity.name = name;
        }
        entity.scramVerifier = verifier;
        entity.serverPasswordEnc = cipher.encrypt(password);
        entity.revision = revision;
        entity.updatedAt = OffsetDateTime.now();
        entity.persist();
        changes.fire(new ConfigChanged("default", revision));
        return new UserView(entity.name, entity.revision);
    }

    @Transactional
    public List<UpstreamView> listUpstreams() {
        return UpstreamEntity.<UpstreamEntity>listAll().stream()
                .map(e -> new UpstreamView(e.name, e.host, e.port, e.dbname, e.revision))
                .sorted(java.util.Comparator.comparing(UpstreamView::name)).toList();
    }

    @Transactional
    public List<UserView> listUsers() {
        return UserEntity.<UserEntity>listAll().stream().map(e -> new UserView(e.name, e.revision))
                .sorted(java.util.Comparator.comparing(UserView::name)).toList();
    }

    /** Everything nodes should hold now, with the generation it represents. */
    @Transactional
    public FleetSnapshot snapshot() {
        Map<ResourceKey, Resource> resources = new LinkedHashMap<>();
        for (UpstreamEntity u : UpstreamEntity.<UpstreamEntity>listAll()) {
            Resource r = ResourceMapper.upstream(u.name, u.host, u.port, u.dbname, u.revision);
            resources.put(r.getKey(), r);
        }
        for (UserEntity u : UserEntity.<UserEntity>listAll()) {
            Resource r = ResourceMapper.credential(u.name, u.scramVerifier, cipher.decrypt(u.serverPasswordEnc), u.revision);
            resources.put(r.getKey(), r);
        }
        return new FleetSnapshot(revisions.latest(), resources);
    }

    /** Interim: one fleet until the desired-state model lands. */
    @Override
    public FleetSnapshot snapshot(String fleet) {
        return snapshot();
    }

    @Override
    public TokenCheck checkBootstrapToken(String fleet, String presentedToken) {
        return TokenCheck.ACCEPTED;
    }

    private static void requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException(what + " must start with a letter or underscore and contain only letters, digits, _, $ or - (at most 63)");
        }
    }
}
