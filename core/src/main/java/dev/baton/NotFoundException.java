package dev.baton;

/**
 * A job, host, secret or other object the caller named does not exist on the platform.
 *
 * @since 0.1
 */
public final class NotFoundException extends OrchestratorException {
    private NotFoundException(String platform, String message, Throwable cause) {
        super(platform, message, cause);
    }

    public static NotFoundException job(String platform, String jobId) {
        return new NotFoundException(platform, "job " + jobId + " not found on " + platform, null);
    }

    /** A not-found answer whose message the platform already phrased. */
    public static NotFoundException of(String platform, String message) {
        return new NotFoundException(platform, message, null);
    }

    public static NotFoundException of(String platform, String what, String name, String detail) {
        return new NotFoundException(platform, what + " " + name + " not found on " + platform
                + (detail == null || detail.isBlank() ? "" : ": " + detail), null);
    }
}
