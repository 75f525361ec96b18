package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.DatabaseTarget;
import io.pgfleet.dataplane.config.NodeConfig;
import io.pgfleet.dataplane.config.PoolMode;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.config.TlsMode;
import io.pgfleet.dataplane.config.UserEntry;
import io.pgfleet.dataplane.pool.PoolSettings;
import io.pgfleet.proto.v1.PoolScope;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceKey;
import io.pgfleet.proto.v1.ResourceType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.pgfleet.dataplane.agent.Resources.credential;
import static io.pgfleet.dataplane.agent.Resources.key;
import static io.pgfleet.dataplane.agent.Resources.pool;
import static io.pgfleet.dataplane.agent.Resources.poolBody;
import static io.pgfleet.dataplane.agent.Resources.route;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;

class ResourceSetTest {

    private static ResourceSet set(Resource... resources) {
        Map<ResourceKey, Resource> map = new LinkedHashMap<>();
        Arrays.stream(resources).forEach(r -> map.put(r.getKey(), r));
        return new ResourceSet(map);
    }

    @Test
    void theFleetPoolOverlaysOnlyTheFieldsItSets() {
        NodeConfig config = set(pool("fleet", 1, poolBody(PoolScope.FLEET)
                .setMode(io.pgfleet.proto.v1.PoolMode.TRANSACTION).setDefaultPoolSize(7).setServerIdleTimeoutMs(2500)))
                .toNodeConfig();
        PoolerConfig pooler = config.pooler();
        assertThat(pooler.poolMode()).isEqualTo(PoolMode.TRANSACTION);
        assertThat(pooler.defaultPoolSize()).isEqualTo(7);
        assertThat(pooler.serverIdleTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(pooler.maxClientConn()).isEqualTo(PoolerConfig.DEFAULTS.maxClientConn());
        assertThat(pooler.queryWaitTimeout()).isEqualTo(PoolerConfig.DEFAULTS.queryWaitTimeout());
        assertThat(set().toNodeConfig().pooler()).isEqualTo(PoolerConfig.DEFAULTS);
    }

    @Test
    void usersConsoleAccessMakesTheAdminAndStatsUsers() {
        Resource ops = credential("ops", 1, "pw", "");
        Resource monitor = credential("monitor", 2, "pw", "");
        PoolerConfig pooler = set(
                ops.toBuilder().setCredential(ops.getCredential().toBuilder()
                        .setConsole(io.pgfleet.proto.v1.ConsoleAccess.CONSOLE_ADMIN)).build(),
                monitor.toBuilder().setCredential(monitor.getCredential().toBuilder()
                        .setConsole(io.pgfleet.proto.v1.ConsoleAccess.CONSOLE_STATS)).build(),
                credential("app", 3, "pw", "")).toNodeConfig().pooler();
        assertThat(pooler.adminUsers()).containsExactly("ops");
        assertThat(pooler.statsUsers()).containsExactly("monitor");
    }

    @Test
    void settingsInheritFleetThenDatabaseThenUser() {
        NodeConfig config = set(
                pool("fleet", 1, poolBody(PoolScope.FLEET).setDefaultPoolSize(7).setQueryTimeoutMs(9000).setMaxDbConnections(50)),
                pool("database/app", 2, poolBody(PoolScope.DATABASE).setDefaultPoolSize(3).setMaxDbConnections(10)
                        .setMaxDbClientConnections(20)),
                pool("user/bob", 3, poolBody(PoolScope.USER).setMaxUserConnections(4).setMaxUserClientConnections(5)
                        .setQueryTimeoutMs(1000)),
                upstream("app", 4, upstreamBody("db1", 5432, "").setPool("database/app")),
                credential("bob", 5, "pw", "user/bob"),
                credential("carol", 6, "pw", "")).toNodeConfig();
        DatabaseTarget app = config.database("app");
        assertThat(app.dbname()).isEqualTo("app");
        assertThat(app.pool().poolSize()).isEqualTo(3);
        assertThat(app.pool().maxServerConnections()).isEqualTo(10);
        assertThat(app.pool().maxClientConnections()).isEqualTo(20);
        UserEntry bob = config.user("bob");
        assertThat(bob.pool().maxServerConnections()).isEqualTo(4);
        assertThat(bob.pool().maxClientConnections()).isEqualTo(5);

        PoolSettings bobOnApp = PoolSettings.resolve(config.pooler(), app, bob);
        assertThat(bobOnApp.poolSize()).isEqualTo(3);
        assertThat(bobOnApp.maxDbConnections()).isEqualTo(10);
        assertThat(bobOnApp.maxUserConnections()).isEqualTo(4);
        assertThat(bobOnApp.clientTimeouts().queryTimeoutNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
        PoolSettings carolOnApp = PoolSettings.resolve(config.pooler(), app, config.user("carol"));
        assertThat(carolOnApp.clientTimeouts().queryTimeoutNanos()).isEqualTo(Duration.ofSeconds(9).toNanos());
    }

    @Test
    void routesServeTheirUpstreamUnderTheirNameAndOneNamedLikeItsUpstreamReplacesIt() {
        NodeConfig config = set(
                upstream("app", 1, upstreamBody("db1", 5432, "app_prod").setPool("database/app")),
                pool("database/app", 2, poolBody(PoolScope.DATABASE).setDefaultPoolSize(3)),
                pool("route/reporting", 3, poolBody(PoolScope.DATABASE).setDefaultPoolSize(1)),
                credential("svc", 4, "svc-pw", ""),
                route("reporting", 5, "app", "route/reporting", "svc"),
                route("app", 6, "app", "database/app", "svc"),
                route("plain", 7, "app", "", "")).toNodeConfig();
        DatabaseTarget reporting = config.database("reporting");
        assertThat(reporting.dbname()).isEqualTo("app_prod");
        assertThat(reporting.hosts().getFirst().host()).isEqualTo("db1");
        assertThat(reporting.serverUser()).isEqualTo("svc");
        assertThat(reporting.serverPassword()).isEqualTo("svc-pw");
        assertThat(reporting.pool().poolSize()).isEqualTo(1);
        DatabaseTarget app = config.database("app");
        assertThat(app.serverUser()).isEqualTo("svc");
        assertThat(app.pool().poolSize()).isEqualTo(3);
        DatabaseTarget plain = config.database("plain");
        assertThat(plain.serverUser()).isNull();
        assertThat(plain.pool().poolSize()).isEqualTo(3); // the upstream's pool
        assertThat(plain.dbname()).isEqualTo("app_prod");
    }

    @Test
    void aRouteOfAnUpstreamWithoutDbnameUsesTheUpstreamsName() {
        NodeConfig config = set(upstream("app", 1, upstreamBody("db1", 5432, "")), route("alias", 2, "app", "", "")).toNodeConfig();
        assertThat(config.database("alias").dbname()).isEqualTo("app");
    }

    @Test
    void upstreamTlsOverridesTheNodesOnlyWhenSet() {
        NodeConfig config = set(
                upstream("plain", 1, upstreamBody("db1", 5432, "")),
                upstream("strict", 2, upstreamBody("db2", 5432, "").setTlsMode(io.pgfleet.proto.v1.TlsMode.REQUIRE))).toNodeConfig();
        assertThat(config.database("plain").serverTls()).isNull();
        assertThat(config.database("strict").serverTls().mode()).isEqualTo(TlsMode.REQUIRE);
        assertThat(config.database("strict").serverTls(config.pooler().serverTls()).mode()).isEqualTo(TlsMode.REQUIRE);
    }

    @Test
    void danglingReferencesLeaveOnlyTheReferrerUnserved() {
        ResourceSet.Mapped mapped = set(
                upstream("app", 1, upstreamBody("db1", 5432, "")),
                upstream("orphan", 2, upstreamBody("db1", 5432, "").setPool("database/missing")),
                pool("user/x", 3, poolBody(PoolScope.USER)),
                upstream("wrongscope", 4, upstreamBody("db1", 5432, "").setPool("user/x")),
                route("lost", 5, "nowhere", "", ""),
                route("nologin", 6, "app", "", "ghost"),
                credential("bob", 7, "pw", "user/missing"),
                credential("verifieronly", 8, null, ""),
                route("passthrough", 9, "app", "", "verifieronly"),
                credential("alice", 10, "pw", "")).map();
        assertThat(mapped.config().databases()).containsOnlyKeys("app");
        assertThat(mapped.config().users()).containsOnlyKeys("alice", "verifieronly");
        assertThat(mapped.unserved()).containsExactlyInAnyOrderEntriesOf(Map.of(
                key(ResourceType.UPSTREAM, "orphan"), "upstream \"orphan\": pool \"database/missing\" does not exist",
                key(ResourceType.UPSTREAM, "wrongscope"), "upstream \"wrongscope\": pool \"user/x\" has scope user, but needs scope database",
                key(ResourceType.ROUTE, "lost"), "route \"lost\": upstream \"nowhere\" does not exist",
                key(ResourceType.ROUTE, "nologin"), "route \"nologin\": server_user \"ghost\" does not exist",
                key(ResourceType.ROUTE, "passthrough"), "route \"passthrough\": server_user \"verifieronly\" has no password, so the node cannot log in to the server as that user",
                key(ResourceType.CREDENTIAL, "bob"), "user \"bob\": pool \"user/missing\" does not exist"));
    }

    @Test
    void aBrokenRouteNamedLikeItsUpstreamTakesTheNameOut() {
        ResourceSet.Mapped mapped = set(
                upstream("app", 1, upstreamBody("db1", 5432, "")),
                route("app", 2, "app", "", "ghost")).map();
        assertThat(mapped.config().databases()).isEmpty();
        assertThat(mapped.unserved().get(key(ResourceType.ROUTE, "app")))
                .isEqualTo("route \"app\": server_user \"ghost\" does not exist; database \"app\" is not served until this is fixed");
    }
}
