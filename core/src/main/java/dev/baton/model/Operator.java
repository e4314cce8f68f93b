package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * A placement constraint operator.
 *
 * @since 0.1
 */
public enum Operator {
    EQUAL("=="),
    NOT_EQUAL("!="),
    IN("in"),
    NOT_IN("not-in"),
    EXISTS("exists"),
    NOT_EXISTS("not-exists");

    private final String id;

    Operator(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<Operator> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(Operator::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
