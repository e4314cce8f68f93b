package dev.baton.status;

import java.util.List;
import java.util.Optional;

/**
 * A job's state and health, the version the platform runs, and each group's instances.
 *
 * @since 0.1
 */
public record JobStatus(
        String jobId,
        String namespace,
        String platform,
        JobState state,
        Health health,
        String version,
        List<GroupStatus> groups,
        String message) {

    public JobStatus {
        groups = List.copyOf(groups);
        state = state == null ? JobState.UNKNOWN : state;
        health = health == null ? Health.UNKNOWN : health;
    }

    public Optional<GroupStatus> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    public List<InstanceStatus> instances() {
        return groups.stream().flatMap(g -> g.instances().stream()).toList();
    }

    /** Whether every group has its desired number of healthy instances. */
    public boolean allHealthy() {
        return groups.stream().allMatch(g -> g.healthy() >= g.desired());
    }
}
