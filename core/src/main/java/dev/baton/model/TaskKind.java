package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * Whether a task runs a container image or a process on the host.
 *
 * @since 0.1
 */
public enum TaskKind {
    CONTAINER("container"),
    PROCESS("process");

    private final String id;

    TaskKind(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<TaskKind> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(TaskKind::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
