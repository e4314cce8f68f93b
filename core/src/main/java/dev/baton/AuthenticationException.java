package dev.baton;

/**
 * The platform refused the caller's credentials (HTTP 401) or permissions (HTTP 403).
 *
 * @since 0.1
 */
public final class AuthenticationException extends OrchestratorException {
    private final int status;

    private AuthenticationException(String platform, int status, String message) {
        super(platform, message, null);
        this.status = status;
    }

    public static AuthenticationException of(String platform, int status, String platformMessage) {
        return new AuthenticationException(platform, status, platform + " refused the request (HTTP " + status + ")"
                + (platformMessage == null || platformMessage.isBlank() ? "" : ": " + platformMessage.strip()));
    }

    public int status() {
        return status;
    }
}
