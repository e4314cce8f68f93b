package dev.baton;

import java.util.Optional;

/**
 * The root of every failure Baton reports. The hierarchy is sealed and unchecked: each subtype says what kind
 * of thing went wrong in the caller's terms, and keeps the platform's own message as detail. Instances are made
 * through each subtype's named factories.
 *
 * @since 0.1
 */
public abstract sealed class OrchestratorException extends RuntimeException
        permits InvalidSpecException, UnsupportedCapabilityException, NotFoundException, ConflictException,
        AuthenticationException, PlatformUnavailableException, PlatformException {

    private final String platform;

    OrchestratorException(String platform, String message, Throwable cause) {
        super(message, cause);
        this.platform = platform;
    }

    /** The platform id this failure came from, when it came from one. */
    public Optional<String> platform() {
        return Optional.ofNullable(platform);
    }
}
