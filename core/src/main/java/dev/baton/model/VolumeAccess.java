package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * Whether a volume can be mounted from one host at a time or from many.
 *
 * @since 0.1
 */
public enum VolumeAccess {
    SINGLE_HOST("single-host"),
    MULTI_HOST("multi-host");

    private final String id;

    VolumeAccess(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<VolumeAccess> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(VolumeAccess::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
