package io.pgfleet.controlplane.api.grpc;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.pgfleet.controlplane.security.ApiTokens;
import io.pgfleet.controlplane.security.Caller;
import io.pgfleet.controlplane.security.GrpcCallers;
import io.pgfleet.proto.v1.AdminServiceGrpc;
import io.pgfleet.proto.v1.FleetStatsServiceGrpc;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * Authenticates every AdminService and FleetStatsService call from its {@code authorization} metadata
 * ({@code Bearer <token>}, the REST API's tokens) and puts the caller into the gRPC
 * {@link io.grpc.Context} ({@link GrpcCallers}). Missing or unknown tokens get
 * UNAUTHENTICATED. Any valid token may call; methods that change things call
 * {@link GrpcCallers#require}. Global and keyed on the service name, so that any
 * implementation of AdminService is covered; NodeService and StatsService pass through
 * (nodes authenticate with their fleet's bootstrap token).
 */
@ApplicationScoped
@GlobalInterceptor
public class AdminAuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    ApiTokens tokens;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (!AdminServiceGrpc.SERVICE_NAME.equals(service) && !FleetStatsServiceGrpc.SERVICE_NAME.equals(service)) {
            return next.startCall(call, headers);
        }
        Optional<Caller> caller = tokens.authenticateHeader(headers.get(AUTHORIZATION));
        if (caller.isEmpty()) {
            call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid API token; send authorization: Bearer <token>"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(GrpcCallers.withCaller(caller.get()), call, headers, next);
    }
}
