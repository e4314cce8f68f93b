package dev.baton.spi;

import dev.baton.InvalidSpecException;
import dev.baton.SecretData;
import dev.baton.Violation;
import dev.baton.internal.spec.Quoted;
import dev.baton.internal.spec.SpecCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The portable rules for secret names (those of job names) and secret keys (those of Kubernetes Secret data keys),
 * checked by spec validation and by every adapter's {@link dev.baton.SecretsFacet} before it sends anything.
 *
 * @since 0.1
 */
public final class SecretRules {
    /** The longest secret key allowed. */
    public static final int MAX_KEY_LENGTH = 253;
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    private SecretRules() {
    }

    /**
     * Checks a secret's name and the keys of its data, as {@code SecretsFacet.put} must before sending anything.
     *
     * @throws InvalidSpecException with a violation at {@code name} and one at {@code keys} for each bad key, each
     *     quoting the value escaped (never a secret value)
     */
    public static void check(String name, SecretData data) {
        Objects.requireNonNull(data, "data");
        List<Violation> violations = new ArrayList<>();
        nameProblem(name).ifPresent(p -> violations.add(new Violation("name", p)));
        for (String key : data.keys()) {
            keyProblem(key).ifPresent(p -> violations.add(new Violation("keys", p)));
        }
        if (!violations.isEmpty()) {
            throw InvalidSpecException.of(violations);
        }
    }

    /**
     * Checks a secret's name, as {@code SecretsFacet.delete} must before sending anything.
     *
     * @throws InvalidSpecException with a violation at {@code name}
     */
    public static void checkName(String name) {
        nameProblem(name).ifPresent(p -> {
            throw InvalidSpecException.of("name", p);
        });
    }

    /**
     * Why {@code name} is not a valid secret name (1-63 characters of a-z, 0-9 and -, starting with a letter and
     * ending with a letter or digit), or empty if it is one.
     */
    public static Optional<String> nameProblem(String name) {
        if (name == null) {
            return Optional.of("is required");
        }
        return SpecCodec.isName(name) ? Optional.empty() : Optional.of(SpecCodec.nameRule(name, "secret"));
    }

    /**
     * Why {@code key} is not a valid secret key ({@code [-._a-zA-Z0-9]+}, at most {@value #MAX_KEY_LENGTH} characters,
     * not {@code .} or {@code ..}), or empty if it is one.
     */
    public static Optional<String> keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.of("is required");
        }
        if (key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            return Optional.of(Quoted.quote(key) + " is not a valid secret key: 1-" + MAX_KEY_LENGTH
                    + " characters of a-z, A-Z, 0-9, -, _ and ., and not . or ..");
        }
        return Optional.empty();
    }
}
