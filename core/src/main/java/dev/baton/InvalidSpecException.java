package dev.baton;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A spec that cannot be used, with every violation found, each with its path.
 *
 * @since 0.1
 */
public final class InvalidSpecException extends OrchestratorException {
    private final List<Violation> violations;

    private InvalidSpecException(List<Violation> violations) {
        super(null, message(violations), null);
        this.violations = List.copyOf(violations);
    }

    public static InvalidSpecException of(List<Violation> violations) {
        if (violations.isEmpty()) {
            throw new IllegalArgumentException("no violations");
        }
        return new InvalidSpecException(violations);
    }

    public static InvalidSpecException of(String path, String message) {
        return of(List.of(new Violation(path, message)));
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String message(List<Violation> violations) {
        String head = violations.size() == 1 ? "invalid spec: " : "invalid spec, " + violations.size() + " problems:\n  ";
        return head + violations.stream().map(Violation::toString).collect(Collectors.joining("\n  "));
    }
}
