package dev.baton.status;

/**
 * Health as the platform's checks see it. An instance without checks is {@code HEALTHY} while it runs.
 *
 * @since 0.1
 */
public enum Health {
    HEALTHY,
    UNHEALTHY,
    UNKNOWN
}
