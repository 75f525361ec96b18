package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.fleet.FleetSnapshot;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only decorator of the real DesiredState (FleetService) that records which fleets
 * config distribution asks for, at admission and for snapshots, so a test can see that a
 * change starts a round for its own fleet only (a round that finds no difference sends
 * nothing, so it cannot be seen from a node). Every answer comes from the real
 * implementation.
 */
@Decorator
@Priority(10)
public class RecordingDesiredState implements DesiredState {
    static final List<String> SNAPSHOTS = new CopyOnWriteArrayList<>();
    static final List<String> TOKEN_CHECKS = new CopyOnWriteArrayList<>();

    @Inject
    @Delegate
    @Any
    DesiredState delegate;

    @Override
    public FleetSnapshot snapshot(String fleet) {
        SNAPSHOTS.add(fleet);
        return delegate.snapshot(fleet);
    }

    @Override
    public TokenCheck checkBootstrapToken(String fleet, String presentedToken) {
        TOKEN_CHECKS.add(fleet);
        return delegate.checkBootstrapToken(fleet, presentedToken);
    }

    @Override
    public String bootstrapTokenSha256(String fleet) {
        return delegate.bootstrapTokenSha256(fleet);
    }
}
