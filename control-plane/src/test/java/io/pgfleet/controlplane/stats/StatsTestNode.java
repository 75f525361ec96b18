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
 * A node played by a test over real gRPC: a Sync stream (Hello, then an Ack for every push)
 * so that the control plane holds it, and a Report stream for its StatsReports. Without
 * {@code sync} it only reports, as a client the control plane does not hold.
 */
final class StatsTestNode implements AutoCloseable {
    final String nodeId;
    private final ManagedChannel channel;
    private StreamObserver<NodeMessage> sync;
    private StreamObserver<StatsReport> reports;
    final CompletableFuture<ReportReceipt> receipt = new CompletableFuture<>();

    StatsTestNode(URL controlPlane, String nodeId, String fleet, boolean sync) {
        this.nodeId = nodeId;
        channel = ManagedChannelBuilder.forAddress(controlPlane.getHost(), controlPlane.getPort()).usePlaintext().build();
        if (sync) {
            this.sync = NodeServiceGrpc.newStub(channel).sync(new StreamObserver<>() {
                @Override
                public void onNext(ControlMessage message) {
                    if (message.hasPush()) {
                        StatsTestNode.this.sync.onNext(NodeMessage.newBuilder()
                                .setAck(Ack.newBuilder().setGeneration(message.getPush().getGeneration())).build());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            this.sync.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder().setIdentity(NodeIdentity.newBuilder()
                    .setNodeId(nodeId).setBootId("sync-" + nodeId).setFleet(fleet).setBuild("stats-test"))).build());
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
