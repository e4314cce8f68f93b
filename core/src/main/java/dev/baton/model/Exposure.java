package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a service is reached: by name inside the cluster, or on the hosts' addresses.
 *
 * @since 0.1
 */
public enum Exposure {
    INTERNAL("internal"),
    PUBLISHED("published");

    private final String id;

    Exposure(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<Exposure> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(Exposure::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
