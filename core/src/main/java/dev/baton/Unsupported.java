package dev.baton;

/**
 * A spec field a platform cannot honour: its path, the capability it needs, the platform, and why.
 * {@code droppable} says whether a best-effort translation can leave the field out (it cannot, for example,
 * change a job's type).
 *
 * @since 0.1
 */
public record Unsupported(String path, String capability, String platform, String reason, boolean droppable) {
    @Override
    public String toString() {
        return path + ": " + platform + " does not support " + capability + (reason == null ? "" : " (" + reason + ")");
    }
}
