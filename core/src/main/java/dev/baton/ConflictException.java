package dev.baton;

/**
 * Someone else changed the object since it was read, or a deployment in progress holds it.
 *
 * @since 0.1
 */
public final class ConflictException extends OrchestratorException {
    private ConflictException(String platform, String message, Throwable cause) {
        super(platform, message, cause);
    }

    public static ConflictException of(String platform, String message) {
        return new ConflictException(platform, message, null);
    }

    public static ConflictException of(String platform, String message, Throwable cause) {
        return new ConflictException(platform, message, cause);
    }
}
