package dev.baton.plan;

import java.util.List;

/**
 * One native object a deploy would create, update, destroy or leave unchanged, with the fields that differ.
 *
 * @since 0.1
 */
public record Change(Action action, String kind, String name, List<FieldChange> fields) {
    public Change {
        fields = fields == null ? List.of() : List.copyOf(fields);
    }

    /** What happens to the object. */
    public enum Action {
        CREATE,
        UPDATE,
        DESTROY,
        NONE
    }
}
