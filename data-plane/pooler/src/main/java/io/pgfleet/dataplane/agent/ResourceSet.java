package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.HeldResource;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import io.pgfleet.proto.v1.Upstream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The resources a node holds from the control plane, immutable, and the config they make. */
record ResourceSet(Map<ResourceKey, Resource> resources) {
    static final ResourceSet EMPTY = new ResourceSet(Map.of());

    ResourceSet {
        resources = Map.copyOf(resources);
    }

    List<HeldResource> held() {
        List<HeldResource> held = new ArrayList<>();
        resources.values().forEach(r -> held.add(HeldResource.newBuilder().setKey(r.getKey()).setRevision(r.getRevision()).build()));
        return held;
    }

    /**
     * Every upstream is served under its own name as a database; every credential is a
     * user that logs in to the server as itself. Pools and routes come later.
     */
    NodeConfig toNodeConfig() {
        Map<String, DatabaseTarget> databases = new LinkedHashMap<>();
        Map<String, UserEntry> users = new LinkedHashMap<>();
        for (Resource resource : resources.values()) {
            switch (resource.getBodyCase()) {
                case UPSTREAM -> databases.put(resource.getKey().getName(), database(resource.getKey().getName(), resource.getUpstream()));
                case CREDENTIAL -> users.put(resource.getKey().getName(), user(resource.getCredential()));
                default -> {
                }
            }
        }
        return new NodeConfig(AuthType.SCRAM_SHA_256, databases, users);
    }

    private static DatabaseTarget database(String name, Upstream upstream) {
        List<HostAndPort> hosts = upstream.getHostsList().stream().map(h -> new HostAndPort(h.getHost(), h.getPort())).toList();
        return new DatabaseTarget(name, hosts, upstream.getDbname(), null, null);
    }

    private static UserEntry user(Credential credential) {
        String password = credential.getServerSecret().hasPassword() ? credential.getServerSecret().getPassword() : null;
        return new UserEntry(credential.getUsername(), ScramVerifier.parse(credential.getScramVerifier()), null, password);
    }
}
