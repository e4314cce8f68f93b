package dev.baton.status;

import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import java.util.Map;

/**
 * A machine of the cluster: identity, address, state, scheduling availability, labels, and CPU and memory
 * capacity and allocation ({@code null} where the platform does not tell).
 *
 * @since 0.1
 */
public record Host(
        String id,
        String name,
        String address,
        HostState state,
        Availability availability,
        Map<String, String> labels,
        Cpu cpuCapacity,
        ByteSize memoryCapacity,
        Cpu cpuAllocated,
        ByteSize memoryAllocated) {

    public Host {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        state = state == null ? HostState.UNKNOWN : state;
        availability = availability == null ? Availability.ACTIVE : availability;
    }

    /** Whether the host is up. */
    public enum HostState {
        READY,
        DOWN,
        UNKNOWN
    }

    /** Whether the scheduler may place new work on the host. */
    public enum Availability {
        ACTIVE,
        PAUSED,
        DRAINING,
        DRAINED
    }
}
