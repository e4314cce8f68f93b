package dev.baton.local.internal;

import dev.baton.NotFoundException;
import dev.baton.SecretInfo;
import dev.baton.spi.SecretRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Secrets on disk: a directory only the user can read (0700) with one directory per secret and one file per key
 * (0600). Names and keys are checked against the portable rules before any path is built from them, and a read
 * never follows a link out of the secrets directory. Values are never logged.
 */
final class Secrets {
    private final Path dir;

    Secrets(Path dir) {
        this.dir = dir;
    }

    static boolean validName(String name) {
        return name != null && SecretRules.nameProblem(name).isEmpty();
    }

    static boolean validKey(String key) {
        return key != null && SecretRules.keyProblem(key).isEmpty();
    }

    synchronized void put(String name, Map<String, byte[]> values) {
        SecretRules.check(name, dev.baton.SecretData.ofBytes(values));
        try {
            PrivateFiles.dirs(dir);
            Path tmp = dir.resolve("." + name + ".tmp");
            deleteTree(tmp);
            PrivateFiles.dirs(tmp);
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                PrivateFiles.write(tmp.resolve(e.getKey()), e.getValue());
            }
            Path target = dir.resolve(name);
            deleteTree(target);
            Files.move(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store secret " + name, e);
        }
    }

    /** The value of one key, or {@code null} when the secret or the key does not exist. */
    synchronized byte[] read(String name, String key) throws IOException {
        if (!validName(name) || !validKey(key)) {
            return null;
        }
        Path secret = dir.resolve(name);
        Path f = secret.resolve(key);
        if (!f.normalize().startsWith(dir) || Files.isSymbolicLink(secret) || Files.isSymbolicLink(f)) {
            return null;
        }
        return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(f) : null;
    }

    synchronized List<SecretInfo> list() {
        List<SecretInfo> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> secrets = Files.list(dir)) {
            for (Path s : secrets.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                Set<String> keys = new HashSet<>();
                try (Stream<Path> files = Files.list(s)) {
                    files.forEach(f -> keys.add(f.getFileName().toString()));
                }
                out.add(new SecretInfo(s.getFileName().toString(), keys,
                        Long.toString(Files.getLastModifiedTime(s).toMillis())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    synchronized void delete(String name) {
        SecretRules.checkName(name);
        Path target = dir.resolve(name);
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw NotFoundException.of(Engine.PLATFORM, "secret", name, null);
        }
        try {
            deleteTree(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a tree without following links (a link is removed, never what it points to). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
