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

/**
 * Applies config pushes: validates every resource, keeps the last good revision of each
 * refused one, and swaps the resulting config in as a whole. Pushes arrive one at a time
 * from the agent's stream, so no two applies overlap.
 */
public final class PushApplier {
    private final ConfigHolder config;
    private volatile ResourceSet current = ResourceSet.EMPTY;
    private volatile long appliedGeneration;

    public PushApplier(ConfigHolder config) {
        this.config = config;
    }

    /** Applies what is valid and returns what was refused (empty: the whole push was applied). */
    public synchronized List<Rejection> apply(ConfigPush push) {
        if (push.getGeneration() < appliedGeneration) {
            return List.of(); // older than what we run: a late duplicate, nothing to do
        }
        Map<ResourceKey, Resource> next = new LinkedHashMap<>(current.resources());
        List<Rejection> rejections = new ArrayList<>();
        for (Resource resource : push.getUpsertsList()) {
            String problem = ResourceValidator.problem(resource);
            if (problem == null) {
                next.put(resource.getKey(), resource);
            } else {
                rejections.add(Rejection.newBuilder().setKey(resource.getKey()).setRevision(resource.getRevision())
                        .setReason(problem).build());
            }
        }
        push.getRemovalsList().forEach(next::remove);
        ResourceSet candidate = new ResourceSet(next);
        config.replace(candidate.toNodeConfig());
        current = candidate;
        appliedGeneration = push.getGeneration();
        return rejections;
    }

    public List<HeldResource> held() {
        return current.held();
    }

    public long appliedGeneration() {
        return appliedGeneration;
    }
}
