package io.pgfleet.controlplane.security;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrpcCallersTest {
    private static final Caller VIEWER = new Caller("ci-viewer", Role.VIEWER);

    @Test
    void requireChecksTheRoleOfTheCallerInTheContext() throws Exception {
        GrpcCallers.withCaller(VIEWER).call(() -> {
            assertThat(GrpcCallers.current()).isEqualTo(VIEWER);
            assertThat(GrpcCallers.require(Role.VIEWER)).isEqualTo(VIEWER);
            assertThatThrownBy(() -> GrpcCallers.require(Role.OPERATOR))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("operator");
            return null;
        });
    }

    @Test
    void noCallerIsUnauthenticated() {
        assertThatThrownBy(GrpcCallers::current)
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> new CurrentCaller().get()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void currentCallerFallsBackToTheGrpcCaller() throws Exception {
        CurrentCaller current = new CurrentCaller();
        GrpcCallers.withCaller(VIEWER).call(() -> assertThat(current.get()).isEqualTo(VIEWER));
        Caller rest = new Caller("rest-op", Role.OPERATOR);
        current.set(rest);
        assertThat(current.get()).isEqualTo(rest);
    }
}
