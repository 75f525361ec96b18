package io.pgfleet.dataplane.agent;

import io.pgfleet.dataplane.config.ConfigHolder;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.pgfleet.dataplane.agent.Resources.key;
import static io.pgfleet.dataplane.agent.Resources.push;
import static io.pgfleet.dataplane.agent.Resources.route;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;

/** What a push does to what the node holds and serves, and what it answers. */
class PushApplierTest {
    private final ConfigHolder config = new ConfigHolder();
    private final PushApplier applier = new PushApplier(config);

    @Test
    void aRemovalThatBreaksAHeldRouteIsReportedOnceAndTheRouteIsServedAgainWhenItsUpstreamReturns() {
        assertThat(applier.apply(push(1, upstream("app", 1, upstreamBody("db", 5432, "")), route("alias", 1, "app", "", "")))).isEmpty();
        assertThat(config.current().database("alias")).isNotNull();

        List<Rejection> rejections = applier.apply(ConfigPush.newBuilder().setGeneration(2)
                .addRemovals(key(ResourceType.UPSTREAM, "app")).build());
        assertThat(rejections).extracting(r -> r.getKey().getName() + "@" + r.getRevision() + ": " + r.getReason())
                .containsExactly("alias@1: route \"alias\": upstream \"app\" does not exist");
        assertThat(config.current().databases()).isEmpty();
        assertThat(applier.held()).extracting(h -> h.getKey().getName()).containsExactly("alias");

        assertThat(applier.apply(push(3))).as("already reported").isEmpty();
        assertThat(applier.apply(push(4, upstream("app", 4, upstreamBody("db2", 5432, ""))))).isEmpty();
        assertThat(config.current().database("alias").hosts().getFirst().host()).isEqualTo("db2");
    }

    @Test
    void anOlderPushIsIgnored() {
        applier.apply(push(5, upstream("app", 5, upstreamBody("db", 5432, ""))));
        assertThat(applier.apply(push(4, upstream("app", 4, upstreamBody("old", 5432, ""))))).isEmpty();
        assertThat(config.current().database("app").hosts().getFirst().host()).isEqualTo("db");
        assertThat(applier.appliedGeneration()).isEqualTo(5);
    }

    @Test
    void aFleetMaxClientConnBeyondThisNodesOpenFileLimitIsRefusedAndTheLastGoodOneStays() {
        PushApplier small = new PushApplier(config, held -> {
        }, new NodeLimits(1024));
        assertThat(small.apply(push(1, Resources.pool("fleet", 1, Resources.poolBody(io.pgfleet.proto.v1.PoolScope.FLEET).setMaxClientConn(500))))).isEmpty();
        assertThat(config.current().pooler().maxClientConn()).isEqualTo(500);

        List<Rejection> rejections = small.apply(push(2, Resources.pool("fleet", 2,
                Resources.poolBody(io.pgfleet.proto.v1.PoolScope.FLEET).setMaxClientConn(100_000))));
        assertThat(rejections).singleElement().satisfies(r -> {
            assertThat(r.getKey().getName()).isEqualTo("fleet");
            assertThat(r.getRevision()).isEqualTo(2);
            assertThat(r.getReason()).contains("max_client_conn 100000").contains("open-file limit is 1024");
        });
        assertThat(config.current().pooler().maxClientConn()).as("last good").isEqualTo(500);
        assertThat(small.appliedGeneration()).isEqualTo(2);
    }
}
