package io.pgfleet.controlplane.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgfleet.controlplane.fleet.spec.PoolSpec;
import io.pgfleet.controlplane.fleet.spec.RouteSpec;
import io.pgfleet.controlplane.fleet.spec.UpstreamSpec;
import io.pgfleet.controlplane.security.SecretCipher;
import io.pgfleet.proto.v1.ConsoleAccess;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.HostPort;
import io.pgfleet.proto.v1.Pool;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.proto.v1.PoolScope;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.Route;
import io.pgfleet.proto.v1.ServerSecret;
import io.pgfleet.proto.v1.SessionStatePolicy;
import io.pgfleet.proto.v1.TlsMode;
import io.pgfleet.proto.v1.Upstream;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A fleet's stored resources as the contract's resources nodes receive
 * (docs/control-plane.md, "What nodes receive"). Each derived resource carries the
 * revision of the row it came from, so an unchanged row is never re-sent.
 */
final class NodeResources {
    static final String FLEET_POOL = "fleet";

    private final SpecCodec codec;
    private final SecretCipher cipher;
    private final Map<ResourceKey, Resource> out = new LinkedHashMap<>();

    private NodeResources(SpecCodec codec, SecretCipher cipher) {
        this.codec = codec;
        this.cipher = cipher;
    }

    /** @param stored the fleet's rows: kind, name, stored spec, revision */
    static Map<ResourceKey, Resource> of(Iterable<Row> stored, SpecCodec codec, SecretCipher cipher) {
        NodeResources resources = new NodeResources(codec, cipher);
        stored.forEach(resources::add);
        return resources.out;
    }

    record Row(ResourceKind kind, String name, JsonNode spec, long revision) {
    }

    private void add(Row row) {
        switch (row.kind()) {
            case FLEET -> {
                StoredFleet fleet = codec.read(row.spec(), StoredFleet.class);
                if (fleet.pool() != null) {
                    put(ResourceType.POOL, FLEET_POOL, row.revision(), r -> r.setPool(pool(fleet.pool(), PoolScope.FLEET)));
                }
            }
            case UPSTREAM -> {
                UpstreamSpec u = codec.read(row.spec(), UpstreamSpec.class);
                String pool = u.pool() == null ? "" : "database/" + row.name();
                Upstream.Builder upstream = Upstream.newBuilder().setDbname(u.dbname()).setPool(pool)
                        .setTlsMode(tlsMode(u.tlsMode()));
                u.hosts().forEach(h -> upstream.addHosts(HostPort.newBuilder().setHost(h.host() == null ? "" : h.host()).setPort(h.port())));
                if (u.tlsCaPem() != null) {
                    upstream.setTlsCaPem(u.tlsCaPem());
                }
                put(ResourceType.UPSTREAM, row.name(), row.revision(), r -> r.setUpstream(upstream));
                if (u.pool() != null) {
                    put(ResourceType.POOL, pool, row.revision(), r -> r.setPool(pool(u.pool(), PoolScope.DATABASE)));
                }
                if (u.serverUser() != null) {
                    // The node's Route carries fixed server logins; one named like the upstream replaces its entry.
                    put(ResourceType.ROUTE, row.name(), row.revision(), r -> r.setRoute(Route.newBuilder()
                            .setDatabase(row.name()).setUpstream(row.name()).setPool(pool).setServerUser(u.serverUser())));
                }
            }
            case USER -> {
                StoredUser u = codec.read(row.spec(), StoredUser.class);
                String pool = u.pool() == null ? "" : "user/" + row.name();
                Credential.Builder credential = Credential.newBuilder().setUsername(row.name())
                        .setScramVerifier(u.scramVerifier()).setPool(pool)
                        .setConsole(u.console() == null ? ConsoleAccess.CONSOLE_NONE
                                : u.console().equals("admin") ? ConsoleAccess.CONSOLE_ADMIN : ConsoleAccess.CONSOLE_STATS);
                if (u.serverPasswordSealed() != null) {
                    credential.setServerSecret(ServerSecret.newBuilder().setPassword(cipher.decrypt(u.serverPasswordSealed())));
                }
                put(ResourceType.CREDENTIAL, row.name(), row.revision(), r -> r.setCredential(credential));
                if (u.pool() != null) {
                    put(ResourceType.POOL, pool, row.revision(), r -> r.setPool(pool(u.pool(), PoolScope.USER)));
                }
            }
            case ROUTE -> {
                RouteSpec route = codec.read(row.spec(), RouteSpec.class);
                String pool = route.pool() == null ? "" : "route/" + row.name();
                put(ResourceType.ROUTE, row.name(), row.revision(), r -> r.setRoute(Route.newBuilder().setDatabase(row.name())
                        .setUpstream(route.upstream()).setPool(pool)
                        .setServerUser(route.serverUser() == null ? "" : route.serverUser())));
                if (route.pool() != null) {
                    put(ResourceType.POOL, pool, row.revision(), r -> r.setPool(pool(route.pool(), PoolScope.DATABASE)));
                }
            }
        }
    }

    private void put(ResourceType type, String name, long revision, java.util.function.Consumer<Resource.Builder> body) {
        ResourceKey key = ResourceKey.newBuilder().setType(type).setName(name).build();
        Resource.Builder resource = Resource.newBuilder().setKey(key).setRevision(revision);
        body.accept(resource);
        out.put(key, resource.build());
    }

    static Pool pool(PoolSpec spec, PoolScope scope) {
        Pool.Builder p = Pool.newBuilder().setScope(scope);
        if (spec.poolMode() != null) {
            p.setMode(switch (spec.poolMode().toLowerCase(Locale.ROOT)) {
                case "session" -> PoolMode.SESSION;
                case "transaction" -> PoolMode.TRANSACTION;
                case "statement" -> PoolMode.STATEMENT;
                default -> throw new ValidationException("pool_mode must be session, transaction or statement");
            });
        }
        if (spec.sessionState() != null) {
            p.setSessionState(switch (spec.sessionState().toLowerCase(Locale.ROOT)) {
                case "pin" -> SessionStatePolicy.PIN;
                case "refuse" -> SessionStatePolicy.REFUSE;
                default -> throw new ValidationException("pgfleet_session_state must be pin or refuse");
            });
        }
        if (spec.defaultPoolSize() != null) p.setDefaultPoolSize(spec.defaultPoolSize());
        if (spec.minPoolSize() != null) p.setMinPoolSize(spec.minPoolSize());
        if (spec.reservePoolSize() != null) p.setReservePoolSize(spec.reservePoolSize());
        if (spec.maxDbConnections() != null) p.setMaxDbConnections(spec.maxDbConnections());
        if (spec.maxUserConnections() != null) p.setMaxUserConnections(spec.maxUserConnections());
        if (spec.maxClientConn() != null) p.setMaxClientConn(spec.maxClientConn());
        if (spec.maxDbClientConnections() != null) p.setMaxDbClientConnections(spec.maxDbClientConnections());
        if (spec.maxUserClientConnections() != null) p.setMaxUserClientConnections(spec.maxUserClientConnections());
        if (spec.maxPreparedStatements() != null) p.setMaxPreparedStatements(spec.maxPreparedStatements());
        if (spec.serverIdleTimeout() != null) p.setServerIdleTimeoutMs(millis("server_idle_timeout", spec.serverIdleTimeout()));
        if (spec.serverLifetime() != null) p.setServerLifetimeMs(millis("server_lifetime", spec.serverLifetime()));
        if (spec.queryTimeout() != null) p.setQueryTimeoutMs(millis("query_timeout", spec.queryTimeout()));
        if (spec.queryWaitTimeout() != null) p.setQueryWaitTimeoutMs(millis("query_wait_timeout", spec.queryWaitTimeout()));
        if (spec.idleTransactionTimeout() != null) p.setIdleTransactionTimeoutMs(millis("idle_transaction_timeout", spec.idleTransactionTimeout()));
        if (spec.transactionTimeout() != null) p.setTransactionTimeoutMs(millis("transaction_timeout", spec.transactionTimeout()));
        if (spec.clientIdleTimeout() != null) p.setClientIdleTimeoutMs(millis("client_idle_timeout", spec.clientIdleTimeout()));
        return p.build();
    }

    private static long millis(String key, double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0 || seconds > 1e9) {
            throw new ValidationException(key + " must be a number of seconds between 0 and 1e9");
        }
        return Math.round(seconds * 1000);
    }

    private static TlsMode tlsMode(String mode) {
        return mode == null ? TlsMode.TLS_MODE_UNSPECIFIED : TlsMode.valueOf(mode.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
