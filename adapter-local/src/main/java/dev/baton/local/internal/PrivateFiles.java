package dev.baton.local.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Files and directories only their owner can use: directories 0700, files 0600, whatever the umask. Everything the
 * supervisor writes under its state directory is created through here, and writes that must not be seen half-done
 * go through {@link #writeAtomically}.
 */
final class PrivateFiles {
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {
    }

    private static FileAttribute<?>[] attrs(Set<PosixFilePermission> perms) {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)} : new FileAttribute<?>[0];
    }

    /** Creates a directory and its missing parents, each 0700; an existing directory keeps its mode. */
    static Path dirs(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return dir;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.exists(parent)) {
            dirs(parent);
        }
        try {
            Files.createDirectory(dir, attrs(DIR));
            restrict(dir, DIR);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
        return dir;
    }

    /** Makes an existing file or directory owner-only. */
    static void restrict(Path p, Set<PosixFilePermission> perms) throws IOException {
        if (POSIX) {
            Files.setPosixFilePermissions(p, perms);
        }
    }

    /** Makes the state directory owner-only: nothing under it is reachable by other users, whatever older versions left. */
    static void secureRoot(Path stateDir) throws IOException {
        dirs(stateDir);
        restrict(stateDir, DIR);
    }

    /** Creates an empty file 0600 if it does not exist (for output redirection, which would create it 0644). */
    static Path touch(Path file) throws IOException {
        try {
            Files.createFile(file, attrs(FILE));
        } catch (FileAlreadyExistsException e) {
            // kept, with the mode it has
        }
        restrict(file, FILE);
        return file;
    }

    /** Writes a new file 0600, replacing a file (or a link, never its target) of that name. */
    static void write(Path file, byte[] value) throws IOException {
        Files.deleteIfExists(file);
        try (FileChannel ch = FileChannel.open(file, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), attrs(FILE))) {
            ByteBuffer b = ByteBuffer.wrap(value);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        restrict(file, FILE);
    }

    /**
     * Replaces {@code file} with {@code value} so that a reader, or a crash at any moment, sees either the old or
     * the new content: written to a temporary file, forced to disk, then renamed over it.
     */
    static void writeAtomically(Path file, byte[] value) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), attrs(FILE))) {
            ByteBuffer b = ByteBuffer.wrap(value);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        restrict(tmp, FILE);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
