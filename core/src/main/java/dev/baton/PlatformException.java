package dev.baton;

import java.util.OptionalInt;

/**
 * Any other failure the platform reported, with its own message and, for HTTP platforms, the status code.
 *
 * @since 0.1
 */
public final class PlatformException extends OrchestratorException {
    private final int status;
    private final String platformMessage;

    private PlatformException(String platform, int status, String platformMessage, String message, Throwable cause) {
        super(platform, message, cause);
        this.status = status;
        this.platformMessage = platformMessage;
    }

    /** A failure answered with an HTTP status and the platform's message. */
    public static PlatformException of(String platform, int status, String platformMessage) {
        return new PlatformException(platform, status, platformMessage,
                platform + " failed (HTTP " + status + ")" + suffix(platformMessage), null);
    }

    /** A failure without an HTTP status, such as a malformed answer or a local process error. */
    public static PlatformException of(String platform, String message, Throwable cause) {
        return new PlatformException(platform, -1, message, platform + ": " + message, cause);
    }

    private static String suffix(String m) {
        return m == null || m.isBlank() ? "" : ": " + m.strip();
    }

    /** The HTTP status, where the platform answered with one. */
    public OptionalInt status() {
        return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** The platform's own message. */
    public String platformMessage() {
        return platformMessage;
    }
}
