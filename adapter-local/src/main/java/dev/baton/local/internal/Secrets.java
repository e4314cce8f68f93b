package dev.baton.local.internal;

import dev.baton.NotFoundException;
import dev.baton.SecretInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Secrets on disk: a directory only the user can read (0700) with one directory per secret and one file per key
 * (0600). Values are never logged.
 */
final class Secrets {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");

    private final Path dir;

    Secrets(Path dir) {
        this.dir = dir;
    }

    private void ensureDir(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            try {
                Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException ignored) {
                // raced
            }
        }
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    }

    synchronized void put(String name, Map<String, byte[]> values) {
        if (!NAME.matcher(name).matches()) {
            throw dev.baton.InvalidSpecException.of("name", "\"" + name + "\" is not a valid secret name");
        }
        for (String k : values.keySet()) {
            if (!KEY.matcher(k).matches()) {
                throw dev.baton.InvalidSpecException.of("keys", "\"" + k + "\" is not a valid secret key");
            }
        }
        try {
            ensureDir(dir);
            Path tmp = dir.resolve("." + name + ".tmp");
            deleteTree(tmp);
            ensureDir(tmp);
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                writePrivate(tmp.resolve(e.getKey()), e.getValue());
            }
            Path target = dir.resolve(name);
            deleteTree(target);
            Files.move(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store secret " + name, e);
        }
    }

    synchronized byte[] read(String name, String key) throws IOException {
        Path f = dir.resolve(name).resolve(key);
        return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
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
        Path target = dir.resolve(name);
        if (!Files.isDirectory(target) || !NAME.matcher(name).matches()) {
            throw NotFoundException.of(Engine.PLATFORM, "secret", name, null);
        }
        try {
            deleteTree(target);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writePrivate(Path file, byte[] value) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, value, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
