package dev.baton.model;

import java.time.Duration;

/**
 * When and how often a health check runs: interval, timeout, consecutive failures before unhealthy, and
 * a grace period after start during which failures do not count.
 *
 * @since 0.1
 */
public record CheckTiming(Duration interval, Duration timeout, int retries, Duration gracePeriod) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_RETRIES = 3;

    /** Interval 10s, timeout 2s, 3 retries, no grace period. */
    public static final CheckTiming DEFAULT = new CheckTiming(null, null, DEFAULT_RETRIES, null);

    public CheckTiming {
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        gracePeriod = gracePeriod == null ? Duration.ZERO : gracePeriod;
    }
}
