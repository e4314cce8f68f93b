package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * The transport protocol of a port.
 *
 * @since 0.1
 */
public enum Protocol {
    TCP("tcp"),
    UDP("udp");

    private final String id;

    Protocol(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<Protocol> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(Protocol::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
