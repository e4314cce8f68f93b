package dev.baton.model;

/**
 * A volume a job uses: its name, an optional size, and whether one host or many may mount it.
 *
 * @since 0.1
 */
public record VolumeSpec(String name, ByteSize size, VolumeAccess access) {
    public VolumeSpec {
        access = access == null ? VolumeAccess.SINGLE_HOST : access;
    }

    public static VolumeSpec of(String name, String size) {
        return new VolumeSpec(name, size == null ? null : ByteSize.parse(size), VolumeAccess.SINGLE_HOST);
    }
}
