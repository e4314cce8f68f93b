package dev.baton.model;

import java.time.Duration;

/**
 * When a group's tasks are restarted; {@code attempts} and {@code delay} are {@code null} when left to the platform.
 *
 * @since 0.1
 */
public record RestartPolicy(RestartMode policy, Integer attempts, Duration delay) {
    public RestartPolicy {
        policy = policy == null ? RestartMode.ALWAYS : policy;
    }

    public static RestartPolicy of(RestartMode mode) {
        return new RestartPolicy(mode, null, null);
    }
}
