package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.pgfleet.controlplane.fleet.spec.RouteSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.nodes.DesiredState;
import io.pgfleet.controlplane.security.Caller;
import io.pgfleet.controlplane.security.Role;
import io.pgfleet.controlplane.security.SecretCipher;
import io.pgfleet.controlplane.security.Sha256;
import io.pgfleet.dataplane.config.ResourceValidator;
import io.pgfleet.proto.v1.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The desired state of every fleet. Owns the transactions: every change is one
 * transaction that takes one revision, writes the resources and one audit row per
 * resource, and tells the other replicas (NOTIFY) and this one (ConfigChanged) once
 * committed. Changes to one fleet are serialized by a transaction-level advisory lock, so
 * validation and If-Match checks see the state they change.
 */
@ApplicationScoped
public class FleetService implements DesiredState {
    /** Names as clients type them: no quoting needed, at most 63 bytes, as PostgreSQL identifiers. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");
    public static final String DEFAULT_FLEET = "default";

    @Inject
    Revisions revisions;
    @Inject
    SecretCipher cipher;
    @Inject
    SpecCodec codec;
    @Inject
    EntityManager em;
    @Inject
    Event<ConfigChanged> changes;
    /**
     * Nodes receive their fleet's server passwords, so a fleet without a bootstrap token
     * admits no node unless this is set (local runs and tests).
     */
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "pgfleet.nodes.allow-tokenless-fleets", defaultValue = "false")
    boolean allowTokenlessFleets;

    public record ResourceView(String fleet, String kind, String name, JsonNode spec, long revision,
                               OffsetDateTime updatedAt, String updatedBy) {
    }

    public record Change(String fleet, String kind, String name, String action, JsonNode before, JsonNode after) {
    }

    /** @param revision the revision the change took; for a dry run or a change that changed nothing, the current one of the resource (0 if none) */
    public record ChangeResult(long revision, boolean dryRun, List<Change> changes, List<String> warnings) {
    }

    public record RevisionEntry(long revision, OffsetDateTime at, String actor, String summary, List<Change> changes) {
    }

    /** One resource's new stored spec; null = delete. */
    private record Pending(ResourceKind kind, String name, JsonNode stored) {
    }

    // ---- reads ---------------------------------------------------------------------------

    @Transactional
    public List<ResourceView> list(String fleet, ResourceKind kind) {
        if (kind == ResourceKind.FLEET) {
            return DesiredResourceEntity.<DesiredResourceEntity>list("kind = ?1 order by name", kind.id()).stream().map(this::view).toList();
        }
        requireFleet(fleet);
        return DesiredResourceEntity.<DesiredResourceEntity>list("fleet = ?1 and kind = ?2 order by name", fleet, kind.id())
                .stream().map(this::view).toList();
    }

    @Transactional
    public ResourceView get(String fleet, ResourceKind kind, String name) {
        if (kind != ResourceKind.FLEET) {
            requireFleet(fleet);
        }
        DesiredResourceEntity e = DesiredResourceEntity.find(fleet, kind.id(), name);
        if (e == null) {
            throw new NotFoundException(kind.id() + " \"" + name + "\" does not exist" + (kind == ResourceKind.FLEET ? "" : " in fleet " + fleet));
        }
        return view(e);
    }

    /** The newest revisions first, each with what it changed (secrets redacted). */
    @Transactional
    public List<RevisionEntry> revisions(String fleetOrNull, long before, int limit) {
        int n = Math.max(1, Math.min(limit <= 0 ? 50 : limit, 500));
        long below = before <= 0 ? Long.MAX_VALUE : before;
        List<ConfigChangeEntity> rows = fleetOrNull == null
                ? ConfigChangeEntity.list("revision in (select distinct c.revision from ConfigChangeEntity c where c.revision < ?1 order by c.revision desc limit " + n + ") order by revision desc, id", below)
                : ConfigChangeEntity.list("fleet = ?2 and revision in (select distinct c.revision from ConfigChangeEntity c where c.revision < ?1 and c.fleet = ?2 order by c.revision desc limit " + n + ") order by revision desc, id", below, fleetOrNull);
        Map<Long, List<ConfigChangeEntity>> byRevision = new LinkedHashMap<>();
        rows.forEach(r -> byRevision.computeIfAbsent(r.revision, k -> new ArrayList<>()).add(r));
        List<RevisionEntry> entries = new ArrayList<>();
        byRevision.forEach((revision, group) -> {
            ConfigChangeEntity first = group.get(0);
            entries.add(new RevisionEntry(revision, first.at, first.actor, first.summary, group.stream().map(this::change).toList()));
        });
        return entries;
    }

    // ---- writes --------------------------------------------------------------------------

    /**
     * Creates or replaces one resource. A spec equal to what is stored changes nothing and
     * takes no revision (idempotent PUT).
     *
     * @param ifMatch the revision the caller last read; null = unconditional, -1 = must exist ("*")
     */
    @Transactional
    public ChangeResult put(Caller caller, String fleet, ResourceKind kind, String name, JsonNode spec, Long ifMatch, boolean dryRun) {
        String fleetName = kind == ResourceKind.FLEET ? name : fleet;
        requireName(kind.id() + " name", name);
        requireName("fleet name", fleetName);
        lockFleet(fleetName);
        if (kind != ResourceKind.FLEET) {
            requireFleet(fleetName);
        }
        DesiredResourceEntity current = DesiredResourceEntity.find(fleetName, kind.id(), name);
        checkIfMatch(kind, name, current, ifMatch);
        JsonNode stored = codec.toStored(kind, name, spec, current == null ? null : parse(current.spec));
        String summary = (current == null ? "create " : "update ") + kind.id() + " " + name;
        return apply(caller, fleetName, summary, List.of(new Pending(kind, name, stored)), dryRun, List.of());
    }

    @Transactional
    public ChangeResult delete(Caller caller, String fleet, ResourceKind kind, String name, Long ifMatch, boolean dryRun) {
        String fleetName = kind == ResourceKind.FLEET ? name : fleet;
        lockFleet(fleetName);
        DesiredResourceEntity current = DesiredResourceEntity.find(fleetName, kind.id(), name);
        if (current == null) {
            throw new NotFoundException(kind.id() + " \"" + name + "\" does not exist" + (kind == ResourceKind.FLEET ? "" : " in fleet " + fleetName));
        }
        checkIfMatch(kind, name, current, ifMatch);
        if (kind == ResourceKind.FLEET) {
            if (DEFAULT_FLEET.equals(name)) {
                throw new ConflictException("the default fleet cannot be deleted");
            }
            if (DesiredResourceEntity.count("fleet = ?1 and kind <> 'fleet'", name) > 0) {
                throw new ConflictException("fleet " + name + " still has upstreams, users or routes; delete them first");
            }
        }
        return apply(caller, fleetName, "delete " + kind.id() + " " + name, List.of(new Pending(kind, name, null)), dryRun, List.of());
    }

    /** Makes the fleet's resources what they were right after {@code toRevision}, as one new revision. */
    @Transactional
    public ChangeResult rollback(Caller caller, String fleet, long toRevision, boolean dryRun) {
        lockFleet(fleet);
        requireFleet(fleet);
        if (toRevision <= 0) {
            throw new ValidationException("toRevision must be a revision number (> 0)");
        }
        Map<String, Pending> asOf = new LinkedHashMap<>();
        for (ConfigChangeEntity row : ConfigChangeEntity.<ConfigChangeEntity>list(
                "fleet = ?1 and revision <= ?2 order by revision, id", fleet, toRevision)) {
            asOf.put(row.kind + "/" + row.name, new Pending(ResourceKind.ofId(row.kind), row.name, parse(row.after)));
        }
        if (asOf.get(ResourceKind.FLEET.id() + "/" + fleet) == null || asOf.get(ResourceKind.FLEET.id() + "/" + fleet).stored() == null) {
            throw new ValidationException("fleet " + fleet + " did not exist at revision " + toRevision);
        }
        List<Pending> pending = new ArrayList<>(asOf.values());
        for (DesiredResourceEntity e : DesiredResourceEntity.ofFleet(fleet)) {
            if (!asOf.containsKey(e.kind + "/" + e.name)) {
                pending.add(new Pending(ResourceKind.ofId(e.kind), e.name, null)); // created after toRevision
            }
        }
        return apply(caller, fleet, "roll back fleet " + fleet + " to revision " + toRevision, pending, dryRun, List.of());
    }

    /** Adds or updates what a pgbouncer.ini and its userlist.txt describe; removes nothing. */
    @Transactional
    public ChangeResult importPgBouncer(Caller caller, String fleet, String pgbouncerIni, String userlist, boolean dryRun) {
        ImportedState imported;
        try {
            imported = PgBouncerImport.convert(pgbouncerIni, userlist);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("pgbouncer.ini: " + e.getMessage()); // the importer's messages carry no secret
        }
        return importState(caller, fleet, imported, dryRun);
    }

    private ChangeResult importState(Caller caller, String fleet, ImportedState imported, boolean dryRun) {
        lockFleet(fleet);
        requireFleet(fleet);
        List<Pending> pending = new ArrayList<>();
        DesiredResourceEntity fleetRow = DesiredResourceEntity.find(fleet, ResourceKind.FLEET.id(), fleet);
        StoredFleet currentFleet = codec.read(parse(fleetRow.spec), StoredFleet.class);
        // Import adds and updates, never removes: imported keys override, the others stay.
        io.pgfleet.controlplane.fleet.spec.PoolSpec mergedPool = PoolMerge.over(currentFleet.pool(), imported.fleetPool());
        pending.add(new Pending(ResourceKind.FLEET, fleet, codec.json().valueToTree(new StoredFleet(
                currentFleet.description(), mergedPool, currentFleet.bootstrapTokenSha256()))));
        imported.users().forEach((name, spec) -> pending.add(importPending(fleet, ResourceKind.USER, name, spec)));
        imported.upstreams().forEach((name, spec) -> pending.add(importPending(fleet, ResourceKind.UPSTREAM, name, spec)));
        imported.routes().forEach((name, spec) -> pending.add(importPending(fleet, ResourceKind.ROUTE, name, spec)));
        return apply(caller, fleet, "import pgbouncer.ini into fleet " + fleet, pending, dryRun, imported.warnings());
    }

    private Pending importPending(String fleet, ResourceKind kind, String name, Object spec) {
        requireName(kind.id() + " name", name);
        DesiredResourceEntity current = DesiredResourceEntity.find(fleet, kind.id(), name);
        return new Pending(kind, name, codec.toStored(kind, name, codec.json().valueToTree(spec), current == null ? null : parse(current.spec)));
    }

    /**
     * Re-encrypts every stored server password (current state and audit trail) that was
     * sealed with an older key, so the old key can be dropped from configuration. The
     * passwords do not change, so this takes no revision and nodes get no push.
     *
     * @return how many sealed values were re-encrypted
     */
    @Transactional
    public int resealSecrets() {
        lockAllFleets();
        int resealed = 0;
        for (DesiredResourceEntity e : DesiredResourceEntity.<DesiredResourceEntity>list("kind", ResourceKind.USER.id())) {
            String spec = resealed(e.spec);
            if (spec != null) {
                e.spec = spec;
                resealed++;
            }
        }
        for (ConfigChangeEntity c : ConfigChangeEntity.<ConfigChangeEntity>list("kind", ResourceKind.USER.id())) {
            String before = resealed(c.before);
            String after = resealed(c.after);
            if (before != null) {
                c.before = before;
                resealed++;
            }
            if (after != null) {
                c.after = after;
                resealed++;
            }
        }
        return resealed;
    }

    /** The stored user spec with its password sealed under the current key; null when nothing to do. */
    private String resealed(String storedUser) {
        if (storedUser == null) {
            return null;
        }
        StoredUser user = codec.read(parse(storedUser), StoredUser.class);
        if (user.serverPasswordSealed() == null || cipher.sealedWithCurrentKey(user.serverPasswordSealed())) {
            return null;
        }
        return codec.json().valueToTree(new StoredUser(user.scramVerifier(), cipher.reseal(user.serverPasswordSealed()), user.pool(), user.console())).toString();
    }

    /** Serializes with every fleet's changes (key rotation touches them all). */
    private void lockAllFleets() {
        for (DesiredResourceEntity fleet : DesiredResourceEntity.<DesiredResourceEntity>list("kind = ?1 order by name", ResourceKind.FLEET.id())) {
            lockFleet(fleet.name);
        }
    }

    // ---- distribution --------------------------------------------------------------------

    /**
     * Everything the nodes of one fleet hold now. The generation is the fleet's newest
     * committed revision: a fleet's changes commit in revision order (they hold the fleet's
     * lock from taking the revision to commit), so no change of this fleet with a lower
     * revision can still be in flight.
     */
    @Override
    @Transactional
    public FleetSnapshot snapshot(String fleet) {
        Number committed = (Number) em.createNativeQuery("SELECT coalesce(max(revision), 0) FROM config_change WHERE fleet = ?1")
                .setParameter(1, fleet).getSingleResult();
        List<NodeResources.Row> rows = DesiredResourceEntity.ofFleet(fleet).stream().map(this::row).toList();
        long generation = Math.max(committed.longValue(), rows.stream().mapToLong(NodeResources.Row::revision).max().orElse(0));
        return new FleetSnapshot(generation, NodeResources.of(rows, codec, cipher));
    }

    @Override
    @Transactional
    public TokenCheck checkBootstrapToken(String fleet, String presentedToken) {
        if (fleet == null || DesiredResourceEntity.find(fleet, ResourceKind.FLEET.id(), fleet) == null) {
            return TokenCheck.UNKNOWN_FLEET;
        }
        String expected = bootstrapTokenSha256(fleet);
        if (expected == null) {
            return allowTokenlessFleets ? TokenCheck.ACCEPTED : TokenCheck.NO_TOKEN_SET;
        }
        String presented = Sha256.hex(presentedToken);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), presented.getBytes(StandardCharsets.US_ASCII))
                ? TokenCheck.ACCEPTED : TokenCheck.BAD_TOKEN;
    }

    @Override
    @Transactional
    public String bootstrapTokenSha256(String fleet) {
        DesiredResourceEntity row = DesiredResourceEntity.find(fleet, ResourceKind.FLEET.id(), fleet);
        return row == null ? null : codec.read(parse(row.spec), StoredFleet.class).bootstrapTokenSha256();
    }

    // ---- the one write path --------------------------------------------------------------

    private ChangeResult apply(Caller caller, String fleet, String summary, List<Pending> pending, boolean dryRun, List<String> warnings) {
        Map<String, DesiredResourceEntity> current = new LinkedHashMap<>();
        DesiredResourceEntity.ofFleet(fleet).forEach(e -> current.put(e.kind + "/" + e.name, e));
        Map<String, NodeResources.Row> result = new LinkedHashMap<>();
        current.forEach((k, e) -> result.put(k, row(e)));

        List<Pending> effective = new ArrayList<>();
        for (Pending p : pending) {
            String key = p.kind().id() + "/" + p.name();
            DesiredResourceEntity before = current.get(key);
            if (p.stored() == null) {
                if (before != null) {
                    effective.add(p);
                    result.remove(key);
                }
            } else if (before == null || !SameJson.equal(parse(before.spec), p.stored())) {
                effective.add(p);
                result.put(key, new NodeResources.Row(p.kind(), p.name(), p.stored(), 0));
            }
        }
        List<Change> changeViews = effective.stream().map(p -> {
            DesiredResourceEntity before = current.get(p.kind().id() + "/" + p.name());
            String action = p.stored() == null ? "delete" : before == null ? "create" : "update";
            return new Change(fleet, p.kind().id(), p.name(), action,
                    before == null ? null : codec.view(p.kind(), parse(before.spec)), codec.view(p.kind(), p.stored()));
        }).toList();
        if (effective.isEmpty()) {
            // Nothing changed: a single-resource write answers with that resource's revision.
            DesiredResourceEntity only = pending.size() == 1 ? current.get(pending.get(0).kind().id() + "/" + pending.get(0).name()) : null;
            return new ChangeResult(only == null ? 0 : only.revision, dryRun, List.of(), warnings);
        }
        if (!caller.role().includes(Role.ADMIN) && effective.stream().anyMatch(p -> p.kind() == ResourceKind.FLEET)) {
            // Fleet settings and bootstrap tokens are admin's, also when a rollback or an import would change them.
            throw new ForbiddenException("this change would modify fleet " + fleet + "'s own settings, which needs the admin role");
        }
        validate(fleet, result, effective);
        if (dryRun) {
            return new ChangeResult(0, true, changeViews, warnings);
        }

        long revision = revisions.next();
        OffsetDateTime now = OffsetDateTime.now();
        for (Pending p : effective) {
            DesiredResourceEntity entity = current.get(p.kind().id() + "/" + p.name());
            ConfigChangeEntity audit = new ConfigChangeEntity();
            audit.revision = revision;
            audit.fleet = fleet;
            audit.kind = p.kind().id();
            audit.name = p.name();
            audit.actor = caller.name();
            audit.at = now;
            audit.summary = summary;
            audit.before = entity == null ? null : entity.spec;
            audit.after = p.stored() == null ? null : p.stored().toString();
            audit.action = p.stored() == null ? "delete" : entity == null ? "create" : "update";
            audit.persist();
            if (p.stored() == null) {
                entity.delete();
                continue;
            }
            if (entity == null) {
                entity = new DesiredResourceEntity();
                entity.fleet = fleet;
                entity.kind = p.kind().id();
                entity.name = p.name();
            }
            entity.spec = p.stored().toString();
            entity.revision = revision;
            entity.updatedAt = now;
            entity.updatedBy = caller.name();
            entity.persist();
        }
        // Delivered to every replica's LISTEN when (and only if) this transaction commits.
        em.createNativeQuery("SELECT pg_notify(?1, ?2)").setParameter(1, ConfigChanged.CHANNEL)
                .setParameter(2, fleet + ":" + revision).getSingleResult();
        changes.fire(new ConfigChanged(fleet, revision));
        return new ChangeResult(revision, false, changeViews, warnings);
    }

    /**
     * The state after the change must be one every node accepts: each resource passes the
     * node's own validator, and every reference resolves inside the fleet.
     */
    private void validate(String fleet, Map<String, NodeResources.Row> result, List<Pending> effective) {
        java.util.Set<String> changed = new java.util.HashSet<>();
        effective.forEach(p -> changed.add(p.kind().id() + "/" + p.name()));
        for (NodeResources.Row row : result.values()) {
            String key = row.kind().id() + "/" + row.name();
            if (!changed.contains(key)) {
                continue;
            }
            for (Resource resource : NodeResources.of(List.of(row), codec, cipher).values()) {
                String problem = ResourceValidator.problem(resource);
                if (problem != null) {
                    throw new ValidationException(row.kind().id() + " " + row.name() + ": " + problem);
                }
            }
        }
        for (Pending p : effective) {
            if (p.stored() != null && (p.kind() == ResourceKind.UPSTREAM || p.kind() == ResourceKind.ROUTE)) {
                ResourceKind other = p.kind() == ResourceKind.UPSTREAM ? ResourceKind.ROUTE : ResourceKind.UPSTREAM;
                if (result.containsKey(other.id() + "/" + p.name())) {
                    throw new ConflictException(p.kind().id() + " " + p.name() + ": fleet " + fleet + " already has a " + other.id()
                            + " named " + p.name() + "; upstreams and routes are both database names clients use, so they must differ");
                }
            }
        }
        for (NodeResources.Row row : result.values()) {
            String key = row.kind().id() + "/" + row.name();
            String upstream = null;
            String serverUser = null;
            if (row.kind() == ResourceKind.ROUTE) {
                RouteSpec route = codec.read(row.spec(), RouteSpec.class);
                upstream = route.upstream();
                serverUser = route.serverUser();
            } else if (row.kind() == ResourceKind.UPSTREAM) {
                serverUser = codec.read(row.spec(), UpstreamSpec.class).serverUser();
            } else {
                continue;
            }
            String problem = null;
            if (upstream != null && !result.containsKey("upstream/" + upstream)) {
                problem = "upstream " + upstream + " does not exist in fleet " + fleet;
            } else if (serverUser != null) {
                NodeResources.Row user = result.get("user/" + serverUser);
                if (user == null) {
                    problem = "serverUser " + serverUser + " does not exist in fleet " + fleet;
                } else if (codec.read(user.spec(), StoredUser.class).serverPasswordSealed() == null) {
                    problem = "serverUser " + serverUser + " has no password (a user given only a scramVerifier cannot log in to servers)";
                }
            }
            if (problem != null) {
                if (changed.contains(key)) {
                    throw new ValidationException(row.kind().id() + " " + row.name() + ": " + problem);
                }
                throw new ConflictException(row.kind().id() + " " + row.name() + " depends on what this change removes: " + problem);
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------

    private void lockFleet(String fleet) {
        em.createNativeQuery("SELECT pg_advisory_xact_lock(hashtext('pgfleet.fleet.' || ?1))").setParameter(1, fleet).getSingleResult();
    }

    private static void requireFleet(String fleet) {
        if (fleet == null || DesiredResourceEntity.find(fleet, ResourceKind.FLEET.id(), fleet) == null) {
            throw new NotFoundException("fleet \"" + fleet + "\" does not exist");
        }
    }

    private static void checkIfMatch(ResourceKind kind, String name, DesiredResourceEntity current, Long ifMatch) {
        if (ifMatch == null) {
            return;
        }
        if (current == null) {
            throw new PreconditionFailedException(kind.id() + " " + name + " does not exist (If-Match)");
        }
        if (ifMatch >= 0 && current.revision != ifMatch) {
            throw new PreconditionFailedException(kind.id() + " " + name + " is at revision " + current.revision
                    + ", not " + ifMatch + " (If-Match); read it again and retry");
        }
    }

    private NodeResources.Row row(DesiredResourceEntity e) {
        return new NodeResources.Row(ResourceKind.ofId(e.kind), e.name, parse(e.spec), e.revision);
    }

    private ResourceView view(DesiredResourceEntity e) {
        return new ResourceView(e.fleet, e.kind, e.name, codec.view(ResourceKind.ofId(e.kind), parse(e.spec)), e.revision, e.updatedAt, e.updatedBy);
    }

    private Change change(ConfigChangeEntity c) {
        ResourceKind kind = ResourceKind.ofId(c.kind);
        return new Change(c.fleet, c.kind, c.name, c.action, codec.view(kind, parse(c.before)), codec.view(kind, parse(c.after)));
    }

    private JsonNode parse(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            return codec.json().readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored spec is not JSON");
        }
    }

    static void requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException(what + " must start with a letter or underscore and contain only letters, digits, _, $ or - (at most 63)");
        }
    }
}
