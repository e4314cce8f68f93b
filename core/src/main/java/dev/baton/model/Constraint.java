package dev.baton.model;

import java.util.List;

/**
 * A placement constraint on a host attribute ({@code node.hostname}, {@code node.os}, {@code node.arch},
 * {@code node.labels.<key>}): {@code value} for {@code ==} and {@code !=}, {@code values} for {@code in} and
 * {@code not-in}, neither for {@code exists} and {@code not-exists}.
 *
 * @since 0.1
 */
public record Constraint(String attribute, Operator operator, String value, List<String> values) {
    public static final String HOSTNAME = "node.hostname";
    public static final String OS = "node.os";
    public static final String ARCH = "node.arch";
    public static final String LABEL_PREFIX = "node.labels.";

    public Constraint {
        values = values == null ? null : List.copyOf(values);
    }

    public static Constraint equal(String attribute, String value) {
        return new Constraint(attribute, Operator.EQUAL, value, null);
    }

    public static Constraint notEqual(String attribute, String value) {
        return new Constraint(attribute, Operator.NOT_EQUAL, value, null);
    }

    public static Constraint in(String attribute, String... values) {
        return new Constraint(attribute, Operator.IN, null, List.of(values));
    }

    public static Constraint notIn(String attribute, String... values) {
        return new Constraint(attribute, Operator.NOT_IN, null, List.of(values));
    }

    public static Constraint exists(String attribute) {
        return new Constraint(attribute, Operator.EXISTS, null, null);
    }

    public static Constraint notExists(String attribute) {
        return new Constraint(attribute, Operator.NOT_EXISTS, null, null);
    }

    /** The label key when the attribute is {@code node.labels.<key>}, else {@code null}. */
    public String labelKey() {
        return attribute != null && attribute.startsWith(LABEL_PREFIX) ? attribute.substring(LABEL_PREFIX.length()) : null;
    }
}
