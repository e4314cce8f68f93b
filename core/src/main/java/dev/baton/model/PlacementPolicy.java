package dev.baton.model;

import java.util.List;

/**
 * Where instances may run: constraints that all must hold, an attribute to spread over, and at most one
 * instance of a group per host.
 *
 * @since 0.1
 */
public record PlacementPolicy(List<Constraint> constraints, String spread, boolean distinctHosts) {
    public PlacementPolicy {
        constraints = Copy.list(constraints);
    }

    public boolean isEmpty() {
        return constraints.isEmpty() && spread == null && !distinctHosts;
    }
}
