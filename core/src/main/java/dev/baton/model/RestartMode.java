package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * When the platform restarts a task that exited.
 *
 * @since 0.1
 */
public enum RestartMode {
    ALWAYS("always"),
    ON_FAILURE("on-failure"),
    NEVER("never");

    private final String id;

    RestartMode(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<RestartMode> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(RestartMode::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
