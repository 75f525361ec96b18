package io.pgfleet.dataplane.agent;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.pgfleet.dataplane.FleetNode;
import io.pgfleet.dataplane.PoolerSettings;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.pgfleet.proto.v1.PoolMode;
import io.pgfleet.proto.v1.ResourceType;
import io.pgfleet.testkit.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.pgfleet.dataplane.agent.Resources.credential;
import static io.pgfleet.dataplane.agent.Resources.fleetPool;
import static io.pgfleet.dataplane.agent.Resources.push;
import static io.pgfleet.dataplane.agent.Resources.upstream;
import static io.pgfleet.dataplane.agent.Resources.upstreamBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent against a stand-in control plane (a real gRPC server): it moves past a dead
 * replica to a live one, says hello with what its snapshot held, and writes the next push
 * to the snapshot.
 *
 * <p>A stand-in because the real control plane cannot run in this module (it depends on the
 * pooler, not the other way round). The real thing, two replicas and three node processes
 * with one replica killed, is e2e's ControlPlaneHaEndToEndTest.
 */
class AgentFailoverTest {

    /** Records every Hello and answers it with one push. */
    private static final class StandIn extends NodeServiceGrpc.NodeServiceImplBase {
        final BlockingQueue<Hello> hellos = new LinkedBlockingQueue<>();
        final BlockingQueue<NodeMessage> answers = new LinkedBlockingQueue<>();

        @Override
        public StreamObserver<NodeMessage> sync(StreamObserver<ControlMessage> responses) {
            return new StreamObserver<>() {
                @Override
                public void onNext(NodeMessage message) {
                    if (message.hasHello()) {
                        hellos.add(message.getHello());
                        responses.onNext(ControlMessage.newBuilder().setPush(push(20,
                                upstream("added", 20, upstreamBody("127.0.0.1", 5432, "added")))).build());
                    } else {
                        answers.add(message);
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }

    @Test
    void movesPastADeadReplicaAndHelloReportsWhatTheSnapshotHeld(@TempDir Path dir) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        SnapshotStore snapshot = new SnapshotStore(dir.resolve("node.snapshot"), key);
        snapshot.write(push(12, fleetPool(4, PoolMode.TRANSACTION, 3), credential("someone", 5, "pw", ""),
                upstream("held", 6, upstreamBody("127.0.0.1", 5432, "held"))));

        StandIn standIn = new StandIn();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(standIn).build().start();
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId("failover-node").setBootId("boot").setFleet("default").build();
        AgentSettings settings = new AgentSettings(List.of("127.0.0.1:1", "127.0.0.1:" + server.getPort()), true, identity, "",
                Duration.ofSeconds(60));
        try (FleetNode node = FleetNode.start(PoolerSettings.defaults("127.0.0.1", 0).withEventLoopThreads(1), settings, snapshot)) {
            assertThat(node.config().current().database("held")).isNotNull(); // before any control plane answered

            Hello hello = standIn.hellos.poll(20, TimeUnit.SECONDS);
            assertThat(hello).as("a Hello reached the live replica").isNotNull();
            assertThat(hello.getAppliedGeneration()).isEqualTo(12);
            assertThat(hello.getHeldList()).extracting(h -> h.getKey().getType() + "/" + h.getKey().getName() + "@" + h.getRevision())
                    .containsExactlyInAnyOrder("POOL/fleet@4", "CREDENTIAL/someone@5", "UPSTREAM/held@6");

            NodeMessage answer = standIn.answers.poll(10, TimeUnit.SECONDS);
            assertThat(answer).isNotNull();
            assertThat(answer.getAck().getGeneration()).isEqualTo(20);
            Eventually.await(Duration.ofSeconds(5), "connected", () -> node.agent().connected());
            assertThat(node.config().current().database("added")).isNotNull();
            assertThat(snapshot.read()).hasValueSatisfying(held -> {
                assertThat(held.getGeneration()).isEqualTo(20);
                assertThat(held.getUpsertsList()).anySatisfy(r -> {
                    assertThat(r.getKey().getType()).isEqualTo(ResourceType.UPSTREAM);
                    assertThat(r.getKey().getName()).isEqualTo("added");
                });
            });
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
