package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kind of a health check.
 *
 * @since 0.1
 */
public enum CheckKind {
    HTTP("http"),
    TCP("tcp"),
    EXEC("exec");

    private final String id;

    CheckKind(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<CheckKind> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(CheckKind::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
