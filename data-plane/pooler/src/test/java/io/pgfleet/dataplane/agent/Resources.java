package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.auth.ScramVerifier;
import io.pgfleet.proto.v1.ConfigPush;
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
import io.pgfleet.proto.v1.Upstream;

import java.util.Arrays;

/** Resources built by hand, as the control plane sends them. */
final class Resources {
    private Resources() {
    }

    static ResourceKey key(ResourceType type, String name) {
        return ResourceKey.newBuilder().setType(type).setName(name).build();
    }

    static Upstream.Builder upstreamBody(String host, int port, String dbname) {
        return Upstream.newBuilder().addHosts(HostPort.newBuilder().setHost(host).setPort(port)).setDbname(dbname);
    }

    static Resource upstream(String name, long revision, Upstream.Builder body) {
        return Resource.newBuilder().setKey(key(ResourceType.UPSTREAM, name)).setRevision(revision).setUpstream(body).build();
    }

    /** A user with a verifier for {@code password} and the same password for logging in to servers (null: verifier only). */
    static Resource credential(String name, long revision, String password, String pool) {
        Credential.Builder body = Credential.newBuilder().setUsername(name)
                .setScramVerifier(ScramVerifier.fromPassword(password == null ? "unused" : password, 4096).format()).setPool(pool);
        if (password != null) {
            body.setServerSecret(ServerSecret.newBuilder().setPassword(password));
        }
        return Resource.newBuilder().setKey(key(ResourceType.CREDENTIAL, name)).setRevision(revision).setCredential(body).build();
    }

    static Resource pool(String name, long revision, Pool.Builder body) {
        return Resource.newBuilder().setKey(key(ResourceType.POOL, name)).setRevision(revision).setPool(body).build();
    }

    static Pool.Builder poolBody(PoolScope scope) {
        return Pool.newBuilder().setScope(scope);
    }

    static Resource fleetPool(long revision, PoolMode mode, int poolSize) {
        return pool("fleet", revision, poolBody(PoolScope.FLEET).setMode(mode).setDefaultPoolSize(poolSize));
    }

    static Resource route(String name, long revision, String upstream, String pool, String serverUser) {
        return Resource.newBuilder().setKey(key(ResourceType.ROUTE, name)).setRevision(revision)
                .setRoute(Route.newBuilder().setDatabase(name).setUpstream(upstream).setPool(pool).setServerUser(serverUser))
                .build();
    }

    static ConfigPush push(long generation, Resource... upserts) {
        return ConfigPush.newBuilder().setGeneration(generation).addAllUpserts(Arrays.asList(upserts)).build();
    }
}
