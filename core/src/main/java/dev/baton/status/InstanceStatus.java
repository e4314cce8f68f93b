package dev.baton.status;

import java.time.Instant;
import java.util.Map;

/**
 * One instance of a group: its state and health, where it runs, its address and port numbers by port name,
 * when it started, and for an ended instance its exit code and reason. Unknown parts are {@code null}.
 *
 * @since 0.1
 */
public record InstanceStatus(
        String id,
        String group,
        InstanceState state,
        Health health,
        String host,
        String address,
        Map<String, Integer> ports,
        Instant startedAt,
        Integer exitCode,
        String reason,
        String version,
        int restarts) {

    public InstanceStatus {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        state = state == null ? InstanceState.UNKNOWN : state;
        health = health == null ? Health.UNKNOWN : health;
    }

    public boolean isHealthy() {
        return state == InstanceState.RUNNING && health == Health.HEALTHY;
    }
}
