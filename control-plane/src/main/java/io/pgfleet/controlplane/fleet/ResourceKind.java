package io.pgfleet.controlplane.fleet;

import java.util.Arrays;
import java.util.Locale;

/** The kinds of desired-state resources, by their singular name and their REST collection. */
public enum ResourceKind {
    FLEET("fleets"), UPSTREAM("upstreams"), USER("users"), ROUTE("routes");

    private final String collection;

    ResourceKind(String collection) {
        this.collection = collection;
    }

    /** As stored and shown: fleet, upstream, user, route. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String collection() {
        return collection;
    }

    public static ResourceKind ofId(String id) {
        return Arrays.stream(values()).filter(k -> k.id().equals(id)).findFirst()
                .orElseThrow(() -> new ValidationException("unknown kind \"" + id + "\"; one of fleet, upstream, user, route"));
    }

    public static ResourceKind ofCollection(String collection) {
        return Arrays.stream(values()).filter(k -> k.collection.equals(collection) && k != FLEET).findFirst()
                .orElseThrow(() -> new NotFoundException("no such collection \"" + collection + "\"; one of upstreams, users, routes"));
    }
}
