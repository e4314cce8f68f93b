package dev.baton.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the upstream API contracts (schemas, field lists, example payloads) in {@code shared/upstream/} beside the
 * checkout, walking up from the working directory. Tests that use them skip with a message when they are absent.
 *
 * @since 0.1
 */
public final class Upstream {
    private Upstream() {
    }

    /** {@code shared/upstream/<platform>} if it exists beside the checkout or above it. */
    public static Optional<Path> dir(String platform) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/upstream").resolve(platform);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The message for a test that skips because the folder is absent. */
    public static String absent(String platform) {
        return "../shared/upstream/" + platform + " is absent: skipping the check against " + platform + "'s published API contracts";
    }
}
