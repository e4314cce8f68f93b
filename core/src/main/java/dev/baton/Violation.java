package dev.baton;

/**
 * One problem in a spec: where ({@code groups[0].tasks[1].resources.memory}) and what.
 *
 * @since 0.1
 */
public record Violation(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
