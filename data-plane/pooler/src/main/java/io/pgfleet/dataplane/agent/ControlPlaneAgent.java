package io.pgfleet.dataplane.agent;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.pgfleet.proto.v1.Ack;
import io.pgfleet.proto.v1.ControlMessage;
import io.pgfleet.proto.v1.Hello;
import io.pgfleet.proto.v1.Nack;
import io.pgfleet.proto.v1.NodeMessage;
import io.pgfleet.proto.v1.NodeServiceGrpc;
import io.pgfleet.proto.v1.Rejection;
import io.pgfleet.proto.v1.ReportReceipt;
import io.pgfleet.proto.v1.StatsReport;
import io.pgfleet.proto.v1.StatsServiceGrpc;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's side of the Sync and Report streams. Says hello with what it holds, applies
 * every push and answers ACK or NACK, and reconnects with jittered backoff when the stream
 * breaks, to the next control-plane replica each time. Losing the control plane never
 * stops the node: it keeps serving its last config.
 *
 * <p>One gRPC channel per replica, made when first used and kept: a channel is cheap when
 * idle, and keeping it lets gRPC's own reconnect state for that replica carry over.
 * Everything that picks a target runs on the agent's one thread.
 */
public final class ControlPlaneAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlPlaneAgent.class);

    private final AgentSettings settings;
    private final PushApplier applier;
    private final StatsReports reports;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final TargetRotation targets;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
    private volatile boolean closed;
    private volatile boolean connected;
    private StreamObserver<StatsReport> statsStream;
    private int statsStreams;

    public ControlPlaneAgent(AgentSettings settings, PushApplier applier, StatsReports reports) {
        this.settings = settings;
        this.applier = applier;
        this.reports = reports;
        this.targets = new TargetRotation(settings.targets());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "pgfleet-agent");
            thread.setDaemon(true);
            return thread;
        });
    }

    public void start() {
        scheduler.execute(this::openSync);
        long interval = settings.statsInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::reportStats, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** True while a Sync stream is open and has delivered at least one push. */
    public boolean connected() {
        return connected;
    }

    private ManagedChannel channel(String target) {
        return channels.computeIfAbsent(target, t -> {
            ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(t).keepAliveTime(30, TimeUnit.SECONDS);
            if (settings.plaintext()) {
                builder.usePlaintext();
            }
            return builder.build();
        });
    }

    private void openSync() {
        if (closed) {
            return;
        }
        SyncResponses responses = new SyncResponses();
        StreamObserver<NodeMessage> requests = NodeServiceGrpc.newStub(channel(targets.current())).sync(responses);
        responses.requests = requests;
        requests.onNext(NodeMessage.newBuilder().setHello(Hello.newBuilder()
                .setIdentity(settings.identity())
                .addAllHeld(applier.held())
                .setAppliedGeneration(applier.appliedGeneration())
                .setToken(settings.token())).build());
    }

    /** Runs on the agent's thread; a stream ending during close() finds it shut down, which is fine. */
    private void onAgentThread(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private void scheduleReconnect(Throwable cause) {
        connected = false;
        if (closed) {
            return;
        }
        long delay = backoff.nextDelayMillis();
        try {
            scheduleReconnectIn(delay, cause);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!closed) {
                throw e; // closed between the check above and here: nothing to reconnect
            }
        }
    }

    private void scheduleReconnectIn(long delay, Throwable cause) {
        scheduler.schedule(() -> {
            String from = targets.current();
            String to = targets.advance();
            LOG.infof("node %s: control plane stream to %s ended (%s); reconnecting to %s after %d ms, serving the last config meanwhile",
                    settings.identity().getNodeId(), from, cause == null ? "closed" : cause.getMessage(), to, delay);
            dropStatsStream();
            openSync();
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Responses on one Sync stream; gRPC calls them one at a time. */
    private final class SyncResponses implements StreamObserver<ControlMessage> {
        private StreamObserver<NodeMessage> requests;

        @Override
        public void onNext(ControlMessage message) {
            if (!message.hasPush()) {
                return;
            }
            long generation = message.getPush().getGeneration();
            List<Rejection> rejections = applier.apply(message.getPush());
            boolean firstPush = !connected;
            connected = true;
            backoff.reset();
            if (firstPush) {
                // Report at once: the control plane takes the first report of a stream it sees
                // as a baseline, so it should hold (almost) nothing the fleet has not counted —
                // not the traffic of the node's first stats interval.
                onAgentThread(ControlPlaneAgent.this::reportStats);
            }
            if (rejections.isEmpty()) {
                requests.onNext(NodeMessage.newBuilder().setAck(Ack.newBuilder().setGeneration(generation)).build());
                LOG.debugf("node %s: applied generation %d", settings.identity().getNodeId(), generation);
            } else {
                requests.onNext(NodeMessage.newBuilder().setNack(Nack.newBuilder().setGeneration(generation)
                        .addAllRejections(rejections)).build());
                LOG.warnf("node %s: generation %d applied without %d refused resource(s): %s",
                        settings.identity().getNodeId(), generation, rejections.size(),
                        rejections.stream().map(r -> r.getKey().getName() + ": " + r.getReason()).toList());
            }
        }

        @Override
        public void onError(Throwable t) {
            scheduleReconnect(t);
        }

        @Override
        public void onCompleted() {
            requests.onCompleted();
            scheduleReconnect(null);
        }
    }

    private void reportStats() {
        if (closed) {
            return;
        }
        if (statsStream == null) {
            int stream = ++statsStreams; // a late end of an older stream must not drop this one
            statsStream = StatsServiceGrpc.newStub(channel(targets.current())).report(new StreamObserver<>() {
                @Override
                public void onNext(ReportReceipt receipt) {
                }

                @Override
                public void onError(Throwable t) {
                    onAgentThread(() -> ended(stream));
                }

                @Override
                public void onCompleted() {
                    onAgentThread(() -> ended(stream));
                }
            });
        }
        statsStream.onNext(reports.next(settings.identity().getNodeId(), settings.identity().getBootId()).toBuilder()
                .setToken(settings.token()).build());
    }

    private void ended(int stream) {
        if (stream == statsStreams) {
            statsStream = null;
        }
    }

    /** Stats follow the Sync stream to its new replica. On the agent's thread. */
    private void dropStatsStream() {
        StreamObserver<StatsReport> old = statsStream;
        statsStream = null;
        if (old != null) {
            try {
                old.onCompleted();
            } catch (RuntimeException e) {
                LOG.debugf("closing the stats stream: %s", e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        channels.values().forEach(ManagedChannel::shutdownNow);
        try {
            for (ManagedChannel channel : channels.values()) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
