package io.pgfleet.controlplane.api.grpc;

import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.nodes.NodeRegistry;
import io.pgfleet.controlplane.stats.FleetStatsAggregator;
import io.pgfleet.proto.v1.ReportReceipt;
import io.pgfleet.proto.v1.StatsReport;
import io.pgfleet.proto.v1.StatsServiceGrpc;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;

/**
 * Receives the nodes' periodic stats reports: node-wide gauges go to the registry, the whole
 * report to the fleet aggregation ({@link FleetStatsAggregator}).
 */
@GrpcService
public class StatsGrpcService extends StatsServiceGrpc.StatsServiceImplBase {
    @Inject
    NodeRegistry registry;
    @Inject
    io.pgfleet.controlplane.nodes.ConfigDistributor distributor;
    @Inject
    FleetStatsAggregator aggregator;

    @Override
    public StreamObserver<StatsReport> report(StreamObserver<ReportReceipt> receipt) {
        return new StreamObserver<>() {
            private long accepted;

            @Override
            public void onNext(StatsReport report) {
                // Only from nodes whose Sync stream this replica holds, with the token that
                // stream authenticated with and the boot id of its Hello: anyone else could
                // otherwise rewrite a node's numbers.
                String fleet = distributor.fleetOfReporter(report.getNodeId(), report.getToken(), report.getBootId());
                if (fleet != null) {
                    registry.stats(report.getNodeId(), report.getNode());
                    aggregator.accept(fleet, report);
                    accepted++;
                }
            }

            @Override
            public void onError(Throwable t) {
                // The node reconnects and reports again; nothing to clean up.
            }

            @Override
            public void onCompleted() {
                receipt.onNext(ReportReceipt.newBuilder().setReportsAccepted(accepted).build());
                receipt.onCompleted();
            }
        };
    }
}
