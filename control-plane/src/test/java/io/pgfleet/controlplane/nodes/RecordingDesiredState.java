package io.pgfleet.controlplane.nodes;

import io.pgfleet.controlplane.fleet.FleetSnapshot;
import jakarta.annotation.Priority;
import jakarta.decorator.Decorator;
import jakarta.decorator.Delegate;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only decorator of the real DesiredState (FleetService): records which fleets config
 * distribution asks for, and answers the bootstrap-token check for fleets a test names, since
 * the interim implementation accepts every node of every fleet. Snapshots always come from
 * the real implementation.
 */
@Decorator
@Priority(10)
public class RecordingDesiredState implements DesiredState {
    static final List<String> SNAPSHOTS = new CopyOnWriteArrayList<>();
    static final List<String> TOKEN_CHECKS = new CopyOnWriteArrayList<>();
    static final Map<String, TokenCheck> FORCED_TOKEN_CHECKS = new ConcurrentHashMap<>();

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
        TokenCheck forced = FORCED_TOKEN_CHECKS.get(fleet);
        return forced != null ? forced : delegate.checkBootstrapToken(fleet, presentedToken);
    }
}
