package dev.baton.plan;

/**
 * One field that differs: its path and its value before and after, as JSON text ({@code null} when absent).
 *
 * @since 0.1
 */
public record FieldChange(String path, String before, String after) {
    @Override
    public String toString() {
        return path + ": " + (before == null ? "<none>" : before) + " -> " + (after == null ? "<none>" : after);
    }
}
