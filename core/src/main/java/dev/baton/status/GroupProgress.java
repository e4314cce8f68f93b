package dev.baton.status;

/**
 * Progress of one group during a deployment: healthy instances out of desired.
 *
 * @since 0.1
 */
public record GroupProgress(String group, int healthy, int desired) {
}
