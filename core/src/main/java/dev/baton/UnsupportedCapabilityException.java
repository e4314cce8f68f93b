package dev.baton;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The target cannot honour one or more fields of a spec, or an operation; raised before anything is sent.
 *
 * @since 0.1
 */
public final class UnsupportedCapabilityException extends OrchestratorException {
    private final List<Unsupported> unsupported;

    private UnsupportedCapabilityException(String platform, List<Unsupported> unsupported, String message) {
        super(platform, message, null);
        this.unsupported = List.copyOf(unsupported);
    }

    /** The fields of a spec the platform cannot honour. */
    public static UnsupportedCapabilityException of(String platform, List<Unsupported> unsupported) {
        if (unsupported.isEmpty()) {
            throw new IllegalArgumentException("nothing unsupported");
        }
        String head = unsupported.size() == 1 ? "" : unsupported.size() + " fields cannot be honoured by " + platform + ":\n  ";
        return new UnsupportedCapabilityException(platform, unsupported,
                head + unsupported.stream().map(Unsupported::toString).collect(Collectors.joining("\n  ")));
    }

    /** An operation (drain, logs, …) the platform cannot perform, and why. */
    public static UnsupportedCapabilityException operation(String platform, String operation, String reason) {
        return new UnsupportedCapabilityException(platform, List.of(new Unsupported("", operation, platform, reason, false)),
                platform + " does not support " + operation + (reason == null ? "" : ": " + reason));
    }

    public List<Unsupported> unsupported() {
        return unsupported;
    }
}
