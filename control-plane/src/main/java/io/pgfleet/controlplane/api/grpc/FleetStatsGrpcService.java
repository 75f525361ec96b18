package io.pgfleet.controlplane.api.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.pgfleet.controlplane.fleet.RequestRefused;
import io.pgfleet.controlplane.security.GrpcCallers;
import io.pgfleet.controlplane.security.Role;
import io.pgfleet.controlplane.stats.StatsQueries;
import io.pgfleet.controlplane.stats.StatsResult;
import io.pgfleet.proto.v1.FleetStatsServiceGrpc;
import io.pgfleet.proto.v1.LatencySummary;
import io.pgfleet.proto.v1.NodePoolGauges;
import io.pgfleet.proto.v1.PoolGauges;
import io.pgfleet.proto.v1.ShowPoolsRequest;
import io.pgfleet.proto.v1.ShowPoolsResponse;
import io.pgfleet.proto.v1.StatsNodeStatus;
import io.pgfleet.proto.v1.StatsPoint;
import io.pgfleet.proto.v1.StatsQueryRequest;
import io.pgfleet.proto.v1.StatsQueryResponse;
import io.pgfleet.proto.v1.StatsSeries;
import io.pgfleet.proto.v1.StatsSummary;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;

import java.util.Base64;
import java.util.function.Supplier;

/** The fleet stats queries over gRPC; the same service and refusals as REST. Viewer role. */
@GrpcService
@Blocking
public class FleetStatsGrpcService extends FleetStatsServiceGrpc.FleetStatsServiceImplBase {
    @Inject
    StatsQueries queries;

    @Override
    public void queryStats(StatsQueryRequest request, StreamObserver<StatsQueryResponse> response) {
        respond(response, () -> {
            GrpcCallers.require(Role.VIEWER);
            StatsResult.Range r = queries.range(new StatsQueries.RangeQuery(request.getFleet(), request.getBy(),
                    request.getFromMs() == 0 ? null : request.getFromMs(), request.getToMs() == 0 ? null : request.getToMs(),
                    request.getStepMs() == 0 ? null : request.getStepMs(), request.getHistograms(), request.getSource()));
            StatsQueryResponse.Builder out = StatsQueryResponse.newBuilder().setFleet(r.fleet()).setBy(r.by())
                    .setFromMs(r.from().toEpochMilli()).setToMs(r.to().toEpochMilli()).setStepMs(r.stepSeconds() * 1000)
                    .setSource(r.source());
            for (StatsResult.Series s : r.series()) {
                StatsSeries.Builder series = StatsSeries.newBuilder().putAllKey(s.key()).setTotal(summary(s.total()));
                for (StatsResult.Point p : s.points()) {
                    series.addPoints(StatsPoint.newBuilder().setStartMs(p.start().toEpochMilli()).setStats(summary(p.stats())));
                }
                out.addSeries(series);
            }
            r.nodes().forEach(n -> out.addNodes(node(n)));
            return out.build();
        });
    }

    @Override
    public void showPools(ShowPoolsRequest request, StreamObserver<ShowPoolsResponse> response) {
        respond(response, () -> {
            GrpcCallers.require(Role.VIEWER);
            StatsResult.Pools p = queries.pools(request.getFleet(), request.getNodeId());
            ShowPoolsResponse.Builder out = ShowPoolsResponse.newBuilder().setFleet(p.fleet()).setAtMs(p.at().toEpochMilli())
                    .putAllNodeGauges(p.nodeGauges());
            p.nodes().forEach(n -> out.addNodes(node(n)));
            for (StatsResult.Pool pool : p.pools()) {
                PoolGauges.Builder g = PoolGauges.newBuilder().setDatabase(pool.database()).setUser(pool.user()).putAllGauges(pool.gauges());
                for (StatsResult.NodeGauges n : pool.nodes()) {
                    g.addNodes(NodePoolGauges.newBuilder().setNodeId(n.node()).setStale(n.stale()).putAllGauges(n.gauges()));
                }
                out.addPools(g);
            }
            return out.build();
        });
    }

    private static StatsSummary summary(StatsResult.Summary s) {
        StatsSummary.Builder b = StatsSummary.newBuilder().putAllTotals(s.totals()).putAllRatesPerSecond(s.ratesPerSecond())
                .putAllAverages(s.averages());
        s.latencyUs().forEach((name, l) -> b.putLatencyUs(name, LatencySummary.newBuilder().setCount(l.count()).setP50(l.p50())
                .setP95(l.p95()).setP99(l.p99()).setMax(l.max()).build()));
        if (s.histograms() != null) {
            s.histograms().forEach((name, base64) -> b.putHistograms(name, ByteString.copyFrom(Base64.getDecoder().decode(base64))));
        }
        return b.build();
    }

    private static StatsNodeStatus node(StatsResult.NodeStatus n) {
        return StatsNodeStatus.newBuilder().setNodeId(n.node()).setStatus(n.status()).setLastReportMs(n.lastReport().toEpochMilli())
                .setBootId(n.bootId()).setConfigGeneration(n.configGeneration()).build();
    }

    private static <T> void respond(StreamObserver<T> response, Supplier<T> call) {
        try {
            response.onNext(call.get());
            response.onCompleted();
        } catch (RequestRefused e) {
            Status status = switch (e.kind()) {
                case INVALID -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case FORBIDDEN -> Status.PERMISSION_DENIED;
                case CONFLICT -> Status.FAILED_PRECONDITION;
                case PRECONDITION_FAILED -> Status.ABORTED;
            };
            response.onError(status.withDescription(e.getMessage()).asRuntimeException());
        } catch (io.grpc.StatusRuntimeException e) {
            response.onError(e);
        }
    }
}
