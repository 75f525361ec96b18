package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.dataplane.config.AuthType;
import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.HostAndPort;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolOverrides;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.ResourceValidator;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.TlsSettings;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.proto.v1.ConsoleAccess;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.Pool;
import io.pgfleet.proto.v1.PoolScope;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.Route;
import io.pgfleet.proto.v1.Upstream;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node serves for the resources it holds (docs/control-plane.md, "What nodes
 * receive" and "Node side"). Each resource is valid on its own (ResourceValidator); here
 * references between them are resolved, and a resource whose reference dangles is left
 * out of the config with a reason, without keeping the others from being served.
 */
final class ResourceMapping {
    private ResourceMapping() {
    }

    static ResourceSet.Mapped map(Collection<Resource> resources) {
        // Sorted by name, so that the same set always maps the same way.
        Map<String, Pool> pools = new TreeMap<>();
        Map<String, Upstream> upstreams = new TreeMap<>();
        Map<String, Credential> credentials = new TreeMap<>();
        Map<String, Route> routes = new TreeMap<>();
        for (Resource r : resources) {
            String name = r.getKey().getName();
            switch (r.getBodyCase()) {
                case POOL -> pools.put(name, r.getPool());
                case UPSTREAM -> upstreams.put(name, r.getUpstream());
                case CREDENTIAL -> credentials.put(name, r.getCredential());
                case ROUTE -> routes.put(name, r.getRoute());
                default -> {
                }
            }
        }
        Map<ResourceKey, String> unserved = new LinkedHashMap<>();
        Pool fleetPool = pools.get(ResourceValidator.FLEET_POOL);
        PoolerConfig fleetSettings = fleetPool == null ? PoolerConfig.DEFAULTS : PoolSettingsMapping.fleet(PoolerConfig.DEFAULTS, fleetPool);

        // The console's users come with the users themselves (Credential.console), not from the fleet's pool.
        PoolerConfig.Builder consoleUsers = fleetSettings.toBuilder();
        consoleUsers.adminUsers = credentials.values().stream()
                .filter(c -> c.getConsole() == ConsoleAccess.CONSOLE_ADMIN).map(Credential::getUsername).toList();
        consoleUsers.statsUsers = credentials.values().stream()
                .filter(c -> c.getConsole() == ConsoleAccess.CONSOLE_STATS).map(Credential::getUsername).toList();
        PoolerConfig pooler = consoleUsers.build();

        Map<String, UserEntry> users = new LinkedHashMap<>();
        credentials.forEach((name, credential) -> {
            PoolRef ref = poolRef(pools, credential.getPool(), PoolScope.USER, "user \"" + name + "\"");
            if (ref.problem != null) {
                unserved.put(key(ResourceType.CREDENTIAL, name), ref.problem);
            } else {
                users.put(name, new UserEntry(credential.getUsername(), ScramVerifier.parse(credential.getScramVerifier()), null,
                        passwordOf(credential), ref.pool == null ? PoolOverrides.NONE : PoolSettingsMapping.user(ref.pool)));
            }
        });

        Map<String, DatabaseTarget> databases = new LinkedHashMap<>();
        upstreams.forEach((name, upstream) -> {
            PoolRef ref = poolRef(pools, upstream.getPool(), PoolScope.DATABASE, "upstream \"" + name + "\"");
            if (ref.problem != null) {
                unserved.put(key(ResourceType.UPSTREAM, name), ref.problem);
            } else {
                databases.put(name, target(name, name, upstream, null, null, ref, pooler.serverTls()));
            }
        });
        // Routes last: a route named like its upstream replaces the upstream's own entry.
        routes.forEach((name, route) -> {
            String problem = routeProblem(name, route, upstreams, credentials, pools);
            if (problem != null) {
                unserved.put(key(ResourceType.ROUTE, name), problem
                        + (upstreams.containsKey(name) ? "; database \"" + name + "\" is not served until this is fixed" : ""));
                // Serving the upstream without the route's server login would log clients in
                // differently than the operator asked: leave the name out instead.
                databases.remove(name);
                return;
            }
            Upstream upstream = upstreams.get(route.getUpstream());
            String poolName = route.getPool().isEmpty() ? upstream.getPool() : route.getPool();
            PoolRef ref = poolRef(pools, poolName, PoolScope.DATABASE, "route \"" + name + "\"");
            String serverUser = route.getServerUser().isEmpty() ? null : route.getServerUser();
            String serverPassword = serverUser == null ? null : passwordOf(credentials.get(serverUser));
            databases.put(name, target(name, route.getUpstream(), upstream, serverUser, serverPassword, ref, pooler.serverTls()));
        });
        return new ResourceSet.Mapped(new NodeConfig(AuthType.SCRAM_SHA_256, databases, users, pooler, null), unserved);
    }

    private static String routeProblem(String name, Route route, Map<String, Upstream> upstreams,
                                       Map<String, Credential> credentials, Map<String, Pool> pools) {
        Upstream upstream = upstreams.get(route.getUpstream());
        if (upstream == null) {
            return "route \"" + name + "\": upstream \"" + route.getUpstream() + "\" does not exist";
        }
        String poolName = route.getPool().isEmpty() ? upstream.getPool() : route.getPool();
        String what = route.getPool().isEmpty() ? "route \"" + name + "\" (the pool of upstream \"" + route.getUpstream() + "\")"
                : "route \"" + name + "\"";
        PoolRef ref = poolRef(pools, poolName, PoolScope.DATABASE, what);
        if (ref.problem != null) {
            return ref.problem;
        }
        if (!route.getServerUser().isEmpty()) {
            Credential credential = credentials.get(route.getServerUser());
            if (credential == null) {
                return "route \"" + name + "\": server_user \"" + route.getServerUser() + "\" does not exist";
            }
            if (passwordOf(credential) == null) {
                return "route \"" + name + "\": server_user \"" + route.getServerUser()
                        + "\" has no password, so the node cannot log in to the server as that user";
            }
        }
        return null;
    }

    /** A named pool, or null for none; the problem when it is missing or of the wrong scope. */
    private record PoolRef(Pool pool, String problem) {
    }

    private static PoolRef poolRef(Map<String, Pool> pools, String name, PoolScope scope, String referrer) {
        if (name.isEmpty()) {
            return new PoolRef(null, null);
        }
        Pool pool = pools.get(name);
        if (pool == null) {
            return new PoolRef(null, referrer + ": pool \"" + name + "\" does not exist");
        }
        if (pool.getScope() != scope) {
            return new PoolRef(null, referrer + ": pool \"" + name + "\" has scope " + scope(pool.getScope())
                    + ", but needs scope " + scope(scope));
        }
        return new PoolRef(pool, null);
    }

    private static String scope(PoolScope scope) {
        return scope.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static DatabaseTarget target(String name, String upstreamName, Upstream upstream, String serverUser,
                                         String serverPassword, PoolRef ref, TlsSettings nodeTls) {
        List<HostAndPort> hosts = upstream.getHostsList().stream().map(h -> new HostAndPort(h.getHost(), h.getPort())).toList();
        // dbname defaults to the upstream's name, also when a route serves it under another.
        String dbname = upstream.getDbname().isEmpty() ? upstreamName : upstream.getDbname();
        PoolOverrides pool = ref.pool == null ? PoolOverrides.NONE : PoolSettingsMapping.database(ref.pool);
        return new DatabaseTarget(name, hosts, dbname, serverUser, serverPassword, pool, Map.of(), serverTls(upstream, nodeTls));
    }

    /** The upstream's own TLS settings; null (the node's) when it sets neither a mode nor a CA. */
    static TlsSettings serverTls(Upstream upstream, TlsSettings nodeTls) {
        boolean modeSet = upstream.getTlsMode() != io.pgfleet.proto.v1.TlsMode.TLS_MODE_UNSPECIFIED;
        if (!modeSet && upstream.getTlsCaPem().isBlank()) {
            return null;
        }
        TlsMode mode = modeSet ? TlsMode.fromIni(ResourceValidator.tlsModeName(upstream.getTlsMode())) : nodeTls.mode();
        return nodeTls.withModeAndCaPem(mode, upstream.getTlsCaPem().isBlank() ? null : upstream.getTlsCaPem());
    }

    private static String passwordOf(Credential credential) {
        return credential.getServerSecret().hasPassword() ? credential.getServerSecret().getPassword() : null;
    }

    private static ResourceKey key(ResourceType type, String name) {
        return ResourceKey.newBuilder().setType(type).setName(name).build();
    }
}
