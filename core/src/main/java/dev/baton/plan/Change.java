package dev.baton.plan;

import java.util.List;

/**
 * One native object a deploy would create, update, replace, destroy or leave unchanged, with the fields that differ.
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
        /** Destroyed and created again, because a field that changes cannot be updated in place (a Job's template). */
        REPLACE,
        DESTROY,
        NONE
    }
}
