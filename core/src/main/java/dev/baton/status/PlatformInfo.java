package dev.baton.status;

/**
 * Which platform an orchestrator talks to: its id ({@code kubernetes}, {@code nomad}, …), version and leader,
 * where it has one ({@code null} otherwise).
 *
 * @since 0.1
 */
public record PlatformInfo(String id, String version, String leader) {
}
