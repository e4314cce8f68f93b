package dev.baton;

/**
 * The platform could not be reached, or did not answer in time, after the retries that were safe to make.
 *
 * @since 0.1
 */
public final class PlatformUnavailableException extends OrchestratorException {
    private PlatformUnavailableException(String platform, String message, Throwable cause) {
        super(platform, message, cause);
    }

    public static PlatformUnavailableException of(String platform, String message, Throwable cause) {
        return new PlatformUnavailableException(platform, platform + " is unavailable: " + message, cause);
    }
}
