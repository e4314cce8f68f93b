package dev.baton.model;

import java.time.Duration;

/**
 * How a changed job replaces running instances. Every knob but {@code strategy} is {@code null} when left to
 * the platform's default; a knob that is set must be honoured by the target or refused.
 *
 * @since 0.1
 */
public record UpdatePolicy(
        UpdateStrategy strategy,
        Integer parallelism,
        Duration delay,
        Duration minHealthyTime,
        Duration healthyDeadline,
        OnFailure onFailure,
        Integer canary) {

    public UpdatePolicy {
        strategy = strategy == null ? UpdateStrategy.ROLLING : strategy;
    }

    public static UpdatePolicy rolling() {
        return new UpdatePolicy(UpdateStrategy.ROLLING, null, null, null, null, null, null);
    }

    public static UpdatePolicy recreate() {
        return new UpdatePolicy(UpdateStrategy.RECREATE, null, null, null, null, null, null);
    }

    public UpdatePolicy withParallelism(Integer v) {
        return new UpdatePolicy(strategy, v, delay, minHealthyTime, healthyDeadline, onFailure, canary);
    }

    public UpdatePolicy withDelay(Duration v) {
        return new UpdatePolicy(strategy, parallelism, v, minHealthyTime, healthyDeadline, onFailure, canary);
    }

    public UpdatePolicy withMinHealthyTime(Duration v) {
        return new UpdatePolicy(strategy, parallelism, delay, v, healthyDeadline, onFailure, canary);
    }

    public UpdatePolicy withHealthyDeadline(Duration v) {
        return new UpdatePolicy(strategy, parallelism, delay, minHealthyTime, v, onFailure, canary);
    }

    public UpdatePolicy withOnFailure(OnFailure v) {
        return new UpdatePolicy(strategy, parallelism, delay, minHealthyTime, healthyDeadline, v, canary);
    }

    public UpdatePolicy withCanary(Integer v) {
        return new UpdatePolicy(strategy, parallelism, delay, minHealthyTime, healthyDeadline, onFailure, v);
    }

    /** {@code parallelism}, or 1 when not set. */
    public int parallelismOrDefault() {
        return parallelism == null ? 1 : parallelism;
    }

    /** {@code canary}, or 0 when not set. */
    public int canaryOrDefault() {
        return canary == null ? 0 : canary;
    }
}
