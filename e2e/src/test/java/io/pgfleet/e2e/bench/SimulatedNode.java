package io.pgfleet.e2e.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.pgfleet.proto.v1.Ack;
import io.pgfleet.proto.v1.ConfigPush;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A node as the control plane sees it, and nothing more: its own gRPC channel (one HTTP/2
 * connection), one Sync stream that says Hello and answers every ConfigPush with an Ack of
 * its generation. Records, per generation, when the push arrived and its Ack was sent.
 * Applies nothing and serves no clients.
 */
final class SimulatedNode implements AutoCloseable {
    private final String nodeId;
    private final ManagedChannel channel;
    private final Runnable onPush;
    /** generation -> System.nanoTime() after the Ack of that push was handed to the stream. */
    private final Map<Long, Long> acked = new ConcurrentHashMap<>();
    private volatile long maxGeneration;
    private volatile Throwable failure;
    private StreamObserver<NodeMessage> requests;

    SimulatedNode(String target, String fleet, String nodeId, String token, Runnable onPush) {
        this.nodeId = nodeId;
        this.onPush = onPush;
        this.channel = ManagedChannelBuilder.forTarget(target).usePlaintext()
                // Callbacks on the transport's thread: what a push costs here is what it costs.
                .directExecutor()
                .build();
        NodeIdentity identity = NodeIdentity.newBuilder().setNodeId(nodeId).setBootId(UUID.randomUUID().toString())
                .setFleet(fleet).setBuild("config-propagation-bench").setAddress("127.0.0.1:0").build();
        Hello.Builder hello = Hello.newBuilder().setIdentity(identity).setAppliedGeneration(0);
        if (token != null) {
            hello.setToken(token);
        }
        requests = NodeServiceGrpc.newStub(channel).sync(new StreamObserver<>() {
            @Override
            public void onNext(ControlMessage message) {
                if (message.getMessageCase() != ControlMessage.MessageCase.PUSH) {
                    return;
                }
                ConfigPush push = message.getPush();
                long generation = push.getGeneration();
                requests.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder().setGeneration(generation)).build());
                acked.putIfAbsent(generation, System.nanoTime());
                if (generation > maxGeneration) {
                    maxGeneration = generation;
                }
                onPush.run();
            }

            @Override
            public void onError(Throwable t) {
                failure = t;
                onPush.run();
            }

            @Override
            public void onCompleted() {
                failure = new IllegalStateException("the control plane ended the Sync stream");
                onPush.run();
            }
        });
        requests.onNext(NodeMessage.newBuilder().setHello(hello).build());
    }

    String nodeId() {
        return nodeId;
    }

    long maxGeneration() {
        return maxGeneration;
    }

    Throwable failure() {
        return failure;
    }

    /** When this node acked the first push whose generation is at least {@code generation}; -1 if none yet. */
    long ackedAt(long generation) {
        long best = -1;
        for (Map.Entry<Long, Long> e : acked.entrySet()) {
            if (e.getKey() >= generation && (best == -1 || e.getValue() < best)) {
                best = e.getValue();
            }
        }
        return best;
    }

    /** How many pushes this node received. */
    int pushes() {
        return acked.size();
    }

    @Override
    public void close() {
        try {
            requests.onCompleted();
        } catch (RuntimeException ignored) {
            // the stream may already be gone
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
