package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a rolling update does when a batch fails to become healthy.
 *
 * @since 0.1
 */
public enum OnFailure {
    ROLLBACK("rollback"),
    PAUSE("pause"),
    CONTINUE("continue");

    private final String id;

    OnFailure(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<OnFailure> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(OnFailure::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
