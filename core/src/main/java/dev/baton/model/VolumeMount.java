package dev.baton.model;

/**
 * A declared volume mounted into a task at a path.
 *
 * @since 0.1
 */
public record VolumeMount(String volume, String mountPath, boolean readOnly) {
    public static VolumeMount of(String volume, String mountPath) {
        return new VolumeMount(volume, mountPath, false);
    }
}
