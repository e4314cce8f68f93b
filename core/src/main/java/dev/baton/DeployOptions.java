package dev.baton;

/**
 * How to deploy: {@code bestEffort} drops the fields the target cannot honour (each listed as a warning in the
 * plan) instead of refusing the spec; {@code force} overrides a deployment in progress where the platform allows
 * it (Marathon's {@code ?force=true}).
 *
 * @since 0.1
 */
public record DeployOptions(boolean bestEffort, boolean force) {
    public static final DeployOptions DEFAULT = new DeployOptions(false, false);

    public DeployOptions withBestEffort(boolean v) {
        return new DeployOptions(v, force);
    }

    public DeployOptions withForce(boolean v) {
        return new DeployOptions(bestEffort, v);
    }
}
