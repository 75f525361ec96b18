package io.pgfleet.controlplane.stats;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.pgfleet.proto.v1.Ack;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.NodeIdentity;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.pgfleet.proto.v1.ReportReceipt;
import io.pgfleet.proto.v1.StatsReport;
import io.pgfleet.proto.v1.StatsServiceGrpc;

import java.net.URL;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A node played by a test over real gRPC: a Sync stream (Hello with its boot id, then an Ack
 * for every push) so that the control plane holds it, and a Report stream for its
 * StatsReports, which must carry the same boot id as the Hello to be taken. {@link #restart}
 * plays a restart: the Sync stream ends and a new one says hello with the new boot id.
 * Without {@code sync} it only reports, as a client the control plane does not hold.
 */
final class StatsTestNode implements AutoCloseable {
    final String nodeId;
    private final String fleet;
    private final ManagedChannel channel;
    private volatile String bootId;
    private StreamObserver<NodeMessage> sync;
    /** Completed by the first push on the current Sync stream: the control plane holds this one. */
    private volatile CompletableFuture<Void> synced = new CompletableFuture<>();
    private StreamObserver<StatsReport> reports;
    final CompletableFuture<ReportReceipt> receipt = new CompletableFuture<>();

    StatsTestNode(URL controlPlane, String nodeId, String fleet, boolean sync) {
        this(controlPlane, nodeId, "b", fleet, sync);
    }

    StatsTestNode(URL controlPlane, String nodeId, String bootId, String fleet, boolean sync) {
        this.nodeId = nodeId;
        this.fleet = fleet;
        this.bootId = bootId;
        channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
        if (sync) {
            openSync();
        }
        reports = StatsServiceGrpc.newStub(channel).report(new StreamObserver<>() {
            @Override
            public void onNext(ReportReceipt value) {
                receipt.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                receipt.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    private synchronized void openSync() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        synced = first;
        StreamObserver<NodeMessage>[] self = new StreamObserver[1];
        self[0] = NodeServiceGrpc.newStub(channel).sync(new StreamObserver<>() {
            @Override
            public void onNext(ControlMessage message) {
                if (message.hasPush()) {
                    synchronized (StatsTestNode.this) {
                        self[0].onNext(NodeMessage.newBuilder()
                                .setAck(Ack.newBuilder().setGeneration(message.getPush().getGeneration())).build());
                    }
                    first.complete(null);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        sync = self[0];
        sync.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder().setIdentity(NodeIdentity.newBuilder()
                .setNodeId(nodeId).setBootId(bootId).setFleet(fleet).setBuild("stats-test"))).build());
    }

    String bootId() {
        return bootId;
    }

    /** Waits until the control plane holds the current Sync stream (its first push arrived). */
    void awaitSynced() throws Exception {
        synced.get(10, TimeUnit.SECONDS);
    }

    /** A restart: the Sync stream ends, and a new one says hello with {@code newBootId}. Waits until it is held. */
    void restart(String newBootId) throws Exception {
        synchronized (this) {
            sync.onCompleted();
            bootId = newBootId;
        }
        openSync();
        awaitSynced();
    }

    synchronized void report(StatsReport report) {
        reports.onNext(report);
    }

    /** Ends the Report stream and returns how many reports the control plane accepted. */
    long finishReports() throws Exception {
        reports.onCompleted();
        return receipt.get(10, TimeUnit.SECONDS).getReportsAccepted();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (sync != null) {
                sync.onCompleted();
            }
        } catch (RuntimeException ignored) {
            // already over
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
