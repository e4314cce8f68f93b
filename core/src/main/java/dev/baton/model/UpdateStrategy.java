package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a changed job replaces its running instances.
 *
 * @since 0.1
 */
public enum UpdateStrategy {
    ROLLING("rolling"),
    RECREATE("recreate");

    private final String id;

    UpdateStrategy(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<UpdateStrategy> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(UpdateStrategy::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
