package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.dataplane.config.ResourceValidator;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.HeldResource;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Applies config pushes: validates every resource, keeps the last good revision of each
 * refused one, and swaps the resulting config in as a whole. Pushes arrive one at a time
 * from the agent's stream, so no two applies overlap.
 *
 * <p>Two kinds of refusal: a resource invalid on its own, or beyond this node's limits
 * ({@link NodeLimits}), is not taken at all (the node
 * keeps its previous revision, if any). A valid resource whose reference dangles (a route
 * to an upstream the node does not hold, a missing pool or server_user) is held but not
 * served until the reference resolves, unless its previous revision was served: then that
 * one stays. Either way the push is NACKed with a reason per resource.
 */
public final class PushApplier {
    private final ConfigHolder config;
    private final Consumer<ConfigPush> onApplied;
    private final NodeLimits limits;
    private volatile ResourceSet current = ResourceSet.EMPTY;
    private Map<ResourceKey, String> unserved = Map.of();
    private volatile long appliedGeneration;

    public PushApplier(ConfigHolder config) {
        this(config, held -> {
        });
    }

    /** @param onApplied gets what the node holds after every applied push (e.g. to write a snapshot) */
    public PushApplier(ConfigHolder config, Consumer<ConfigPush> onApplied) {
        this(config, onApplied, NodeLimits.ofThisProcess());
    }

    PushApplier(ConfigHolder config, Consumer<ConfigPush> onApplied, NodeLimits limits) {
        this.config = config;
        this.onApplied = onApplied;
        this.limits = limits;
    }

    /** Applies what is valid and returns what was refused (empty: the whole push was applied). */
    public synchronized List<Rejection> apply(ConfigPush push) {
        if (push.getGeneration() < appliedGeneration) {
            return List.of(); // older than what we run: a late duplicate, nothing to do
        }
        Map<ResourceKey, Resource> next = new LinkedHashMap<>(current.resources());
        Map<ResourceKey, Resource> pushed = new LinkedHashMap<>();
        List<Rejection> rejections = new ArrayList<>();
        for (Resource resource : push.getUpsertsList()) {
            String problem = ResourceValidator.problem(resource);
            if (problem == null) {
                problem = limits.problem(resource); // valid everywhere, but not on this node
            }
            if (problem == null) {
                next.put(resource.getKey(), resource);
                pushed.put(resource.getKey(), resource);
            } else {
                rejections.add(rejection(resource, problem));
            }
        }
        push.getRemovalsList().forEach(next::remove);

        ResourceSet.Mapped mapped = new ResourceSet(next).map();
        boolean fellBack = false;
        for (Map.Entry<ResourceKey, String> refused : mapped.unserved().entrySet()) {
            Resource previous = current.resources().get(refused.getKey());
            Resource incoming = pushed.get(refused.getKey());
            if (incoming != null && previous != null && !unserved.containsKey(refused.getKey())) {
                next.put(refused.getKey(), previous); // the last good revision stays
                pushed.remove(refused.getKey());
                rejections.add(rejection(incoming, refused.getValue()));
                fellBack = true;
            }
        }
        ResourceSet candidate = new ResourceSet(next);
        if (fellBack) {
            mapped = candidate.map();
        }
        for (Map.Entry<ResourceKey, String> refused : mapped.unserved().entrySet()) {
            // Report what this push brought, and what this push broke; stay quiet about
            // resources that were already not served.
            if (pushed.containsKey(refused.getKey()) || !unserved.containsKey(refused.getKey())) {
                rejections.add(rejection(next.get(refused.getKey()), refused.getValue()));
            }
        }
        config.replace(mapped.config());
        current = candidate;
        unserved = mapped.unserved();
        appliedGeneration = push.getGeneration();
        onApplied.accept(holding());
        return rejections;
    }

    private static Rejection rejection(Resource resource, String reason) {
        return Rejection.newBuilder().setKey(resource.getKey()).setRevision(resource.getRevision()).setReason(reason).build();
    }

    /** Everything the node holds, as one push that recreates it (what a snapshot stores). */
    public synchronized ConfigPush holding() {
        return ConfigPush.newBuilder().setGeneration(appliedGeneration).addAllUpserts(current.resources().values()).build();
    }

    public List<HeldResource> held() {
        return current.held();
    }

    public long appliedGeneration() {
        return appliedGeneration;
    }
}
