package dev.baton.status;

import java.util.List;

/**
 * A group's desired instance count and its instances as the platform reports them.
 *
 * @since 0.1
 */
public record GroupStatus(String name, int desired, List<InstanceStatus> instances) {
    public GroupStatus {
        instances = List.copyOf(instances);
    }

    public long running() {
        return instances.stream().filter(i -> i.state() == InstanceState.RUNNING).count();
    }

    public long healthy() {
        return instances.stream().filter(InstanceStatus::isHealthy).count();
    }
}
