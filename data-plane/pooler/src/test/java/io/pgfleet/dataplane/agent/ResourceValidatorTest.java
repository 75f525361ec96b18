package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.ResourceValidator;
import io.pgfleet.proto.v1.Credential;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.proto.v1.PoolScope;
import io.pgfleet.proto.v1.Resource;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.proto.v1.Route;
import io.pgfleet.proto.v1.ServerSecret;
import io.pgfleet.proto.v1.TlsMode;
import io.pgfleet.testkit.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.pgfleet.dataplane.agent.Resources.pool;
import static io.pgfleet.dataplane.agent.Resources.poolBody;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ResourceValidatorTest {

    private static String problem(Resource resource) {
        return ResourceValidator.problem(resource);
    }

    @Test
    void poolSettingsFollowTheScopeTable() {
        assertThat(problem(pool("fleet", 1, poolBody(PoolScope.FLEET).setMode(PoolMode.TRANSACTION).setDefaultPoolSize(5)
                .setServerIdleTimeoutMs(1000).setMaxClientConn(10).setMaxUserConnections(3).setMaxDbConnections(4)))).isNull();
        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.DATABASE).setDefaultPoolSize(5).setMaxDbConnections(9)
                .setMaxDbClientConnections(9).setQueryTimeoutMs(100)))).isNull();
        assertThat(problem(pool("user/bob", 1, poolBody(PoolScope.USER).setMaxUserConnections(2)
                .setMaxUserClientConnections(3).setMinPoolSize(1)))).isNull();

        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.DATABASE).setServerIdleTimeoutMs(5000))))
                .isEqualTo("pool \"database/app\": server_idle_timeout can only be set for the whole fleet");
        assertThat(problem(pool("user/bob", 1, poolBody(PoolScope.USER).setQueryWaitTimeoutMs(5000))))
                .isEqualTo("pool \"user/bob\": query_wait_timeout can only be set for the whole fleet");
        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.DATABASE).setMaxPreparedStatements(0))))
                .isEqualTo("pool \"database/app\": max_prepared_statements can only be set for the whole fleet");
        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.DATABASE).setMaxUserConnections(3))))
                .isEqualTo("pool \"database/app\": max_user_connections cannot be set for a database");
        assertThat(problem(pool("user/bob", 1, poolBody(PoolScope.USER).setMaxDbClientConnections(3))))
                .isEqualTo("pool \"user/bob\": max_db_client_connections cannot be set for a user");
    }

    @Test
    void poolValuesMustNotBeNegative() {
        assertThat(problem(pool("fleet", 1, poolBody(PoolScope.FLEET).setDefaultPoolSize(-1))))
                .isEqualTo("pool \"fleet\": default_pool_size must not be negative (got -1)");
        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.DATABASE).setQueryTimeoutMs(-1500))))
                .isEqualTo("pool \"database/app\": query_timeout must not be negative (got -1.5 s)");
        // 0 is PgBouncer's off / unlimited, and fine.
        assertThat(problem(pool("fleet", 1, poolBody(PoolScope.FLEET).setMaxClientConn(0).setQueryTimeoutMs(0)))).isNull();
    }

    @Test
    void poolScopeMustBeSetAndTheFleetPoolIsNamedFleet() {
        assertThat(problem(pool("database/app", 1, poolBody(PoolScope.POOL_SCOPE_UNSPECIFIED))))
                .isEqualTo("pool \"database/app\": scope must be set (fleet, database or user)");
        assertThat(problem(pool("defaults", 1, poolBody(PoolScope.FLEET))))
                .isEqualTo("pool \"defaults\": a fleet pool must be named \"fleet\"");
        assertThat(problem(pool("fleet", 1, poolBody(PoolScope.DATABASE)))).isEqualTo("pool \"fleet\" must have scope fleet");
    }

    @Test
    void routeRules() {
        assertThat(problem(Resources.route("reporting", 1, "app", "", ""))).isNull();
        assertThat(problem(route("reporting", Route.newBuilder().setDatabase("other").setUpstream("app"))))
                .isEqualTo("route \"reporting\": database \"other\" must equal the route's name");
        assertThat(problem(route("reporting", Route.newBuilder().setDatabase("reporting").setUpstream("app").setUser("bob"))))
                .isEqualTo("route \"reporting\": per-user routes are not supported (user \"bob\")");
        assertThat(problem(route("reporting", Route.newBuilder().setDatabase("reporting"))))
                .isEqualTo("route \"reporting\": upstream must be set");
    }

    private static Resource route(String name, Route.Builder body) {
        return Resource.newBuilder().setKey(Resources.key(ResourceType.ROUTE, name)).setRevision(1).setRoute(body).build();
    }

    @Test
    void upstreamNamesMayHoldSlashesAndVerifyModesNeedAParseableCa(@TempDir Path dir) throws Exception {
        assertThat(problem(upstream("team/app", 1, upstreamBody("db", 5432, "app")))).isNull();
        assertThat(problem(upstream("app", 1, upstreamBody("db", 0, "app"))))
                .isEqualTo("upstream \"app\": port 0 is out of range 1-65535");
        assertThat(problem(upstream("app", 1, upstreamBody("db", 5432, "app").setTlsMode(TlsMode.VERIFY_FULL))))
                .isEqualTo("upstream \"app\": tlsMode verify-full needs tlsCaPem (the CA that signed the server's certificate)");
        assertThat(problem(upstream("app", 1, upstreamBody("db", 5432, "app").setTlsMode(TlsMode.VERIFY_CA)
                .setTlsCaPem("hello")))).startsWith("upstream \"app\": tlsCaPem is not a PEM certificate");
        assertThat(problem(upstream("app", 1, upstreamBody("db", 5432, "app").setTlsMode(TlsMode.VERIFY_CA)
                .setTlsCaPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))))
                .startsWith("upstream \"app\": tlsCaPem does not parse as a PEM certificate");
        assertThat(problem(upstream("app", 1, upstreamBody("db", 5432, "app").setTlsMode(TlsMode.REQUIRE)))).isNull();

        assumeTrue(TestCertificates.opensslAvailable(), "openssl is not installed");
        String pem = Files.readString(TestCertificates.createAuthority(dir, "validator CA").caCert());
        assertThat(problem(upstream("app", 1, upstreamBody("db", 5432, "app").setTlsMode(TlsMode.VERIFY_CA).setTlsCaPem(pem)))).isNull();
    }

    @Test
    void credentialsNeedAVerifierAndNeverShowTheirSecret() {
        assertThat(problem(Resources.credential("bob", 1, "s3cret-pw", ""))).isNull();
        Resource noVerifier = Resource.newBuilder().setKey(Resources.key(ResourceType.CREDENTIAL, "bob")).setRevision(1)
                .setCredential(Credential.newBuilder().setUsername("bob")
                        .setServerSecret(ServerSecret.newBuilder().setPassword("s3cret-pw"))).build();
        assertThat(problem(noVerifier)).isEqualTo("user \"bob\" has no SCRAM verifier");
        Resource badVerifier = noVerifier.toBuilder().setCredential(noVerifier.getCredential().toBuilder()
                .setScramVerifier("SCRAM-SHA-256$x:s3cret-pw")).build();
        assertThat(problem(badVerifier)).startsWith("user \"bob\": invalid scramVerifier").doesNotContain("s3cret-pw");
        Resource emptyPassword = Resources.credential("bob", 1, "s3cret-pw", "").toBuilder().build();
        emptyPassword = emptyPassword.toBuilder().setCredential(emptyPassword.getCredential().toBuilder()
                .setServerSecret(ServerSecret.newBuilder().setPassword(""))).build();
        assertThat(problem(emptyPassword)).isEqualTo("user \"bob\": the server password is set but empty");
        Resource wrongName = Resources.credential("alice", 1, "pw", "");
        assertThat(problem(wrongName.toBuilder().setKey(Resources.key(ResourceType.CREDENTIAL, "bob")).build()))
                .isEqualTo("credential username \"alice\" must equal the resource name \"bob\"");
    }
}
