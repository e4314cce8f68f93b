package dev.baton.local.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Paths an instance asks for (secret files, volume mounts), resolved under the instance's root and nowhere else.
 * Spec validation already refuses {@code ..} segments; this is the second line: every component is checked as it is
 * walked, a link planted by the job on the way is refused (never followed), and the result must lie under the root.
 */
final class Confined {
    private Confined() {
    }

    /** An escape attempt or a path that cannot be used. */
    static final class EscapeException extends IOException {
        EscapeException(String message) {
            super(message);
        }
    }

    /**
     * The path under {@code root} for the absolute spec path {@code specPath}, with its parent directories created
     * (0700) and checked not to be links. The last component itself is not touched.
     */
    static Path resolve(Path root, String specPath) throws IOException {
        if (specPath == null || !specPath.startsWith("/") || specPath.indexOf('\0') >= 0) {
            throw new EscapeException("\"" + specPath + "\" is not an absolute path");
        }
        Path base = root.toAbsolutePath().normalize();
        Path current = base;
        String[] parts = specPath.substring(1).split("/");
        int last = parts.length - 1;
        while (last >= 0 && parts[last].isEmpty()) {
            last--;
        }
        if (last < 0) {
            throw new EscapeException("\"" + specPath + "\" names the instance's root itself");
        }
        for (int i = 0; i <= last; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new EscapeException("\"" + specPath + "\" leaves the instance's root");
            }
            current = current.resolve(part);
            if (i == last) {
                break;
            }
            if (Files.isSymbolicLink(current)) {
                throw new EscapeException("\"" + specPath + "\": " + base.relativize(current) + " is a link; links inside the root are not followed");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                PrivateFiles.dirs(current);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new EscapeException("\"" + specPath + "\": " + base.relativize(current) + " is not a directory");
            }
        }
        if (!current.normalize().startsWith(base) || current.equals(base)) {
            throw new EscapeException("\"" + specPath + "\" leaves the instance's root");
        }
        return current;
    }

    /** Writes a secret file at {@code specPath} under {@code root}, 0600, replacing a link there instead of following it. */
    static Path writeFile(Path root, String specPath, byte[] value) throws IOException {
        Path file = resolve(root, specPath);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new EscapeException("\"" + specPath + "\" is a directory");
        }
        PrivateFiles.write(file, value);
        return file;
    }

    /** Links {@code target} at {@code specPath} under {@code root}; an existing link there is replaced, anything else refused. */
    static Path link(Path root, String specPath, Path target) throws IOException {
        Path link = resolve(root, specPath);
        if (Files.isSymbolicLink(link)) {
            Files.delete(link);
        } else if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            throw new EscapeException("cannot mount a volume at \"" + specPath + "\": something else is there");
        }
        Files.createSymbolicLink(link, target);
        return link;
    }
}
