package dev.baton.local.internal;

import dev.baton.LogsFacet.LogLine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Instance output on disk, one file per instance and task ({@code <instance>.<task>.log}, stdout and stderr
 * together), kept bounded: a file over {@link #MAX_BYTES} is cut down to its last {@link #KEEP_BYTES}. A job's
 * directory lives as long as the job: it is removed when the job is undeployed (and, for files an older version left
 * behind, when a job of the same name is created again), so the logs of a job are those of its own instances, the
 * ones it replaced or scaled away included.
 */
public final class LogFiles {
    static final long MAX_BYTES = 4L << 20;
    static final long KEEP_BYTES = 1L << 20;

    private LogFiles() {
    }

    /** How often {@link #follow} looks for new output: about what {@code tail -f} does without inotify. */
    static final long FOLLOW_INTERVAL_MILLIS = 200;

    static List<LogLine> tail(Path dir, int lines) {
        List<LogLine> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                String name = f.getFileName().toString();
                String instance = name.substring(0, name.length() - 4);
                List<String> all = lastLines(f, lines);
                all.forEach(l -> out.add(new LogLine(instance, "output", l)));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> lastLines(Path f, int lines) throws IOException {
        long size = Files.size(f);
        long from = Math.max(0, size - Math.min(size, (long) lines * 512 + 4096));
        byte[] buf;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            raf.seek(from);
            buf = new byte[(int) (size - from)];
            raf.readFully(buf);
        }
        List<String> all = new String(buf, StandardCharsets.UTF_8).lines().toList();
        if (from > 0 && !all.isEmpty()) {
            all = all.subList(1, all.size());
        }
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    /**
     * Prints the last {@code lines} lines of every file of {@code dir}, then every line appended to them, and every line
     * of files that appear later (a new or restarted instance), until the directory is removed (the job was undeployed)
     * or the calling thread is interrupted. A line is delivered once it is complete; a file cut down by {@link #trim}
     * is read on from its new end.
     */
    public static void follow(Path dir, int lines, Consumer<LogLine> listener) {
        Map<Path, Long> offsets = new HashMap<>();
        boolean first = true;
        while (!Thread.currentThread().isInterrupted() && Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            } catch (IOException e) {
                return;
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                String instance = name.substring(0, name.length() - 4);
                try {
                    long size = Files.size(f);
                    Long known = offsets.get(f);
                    if (known == null && first) {
                        lastLines(f, lines).forEach(l -> listener.accept(new LogLine(instance, "output", l)));
                        offsets.put(f, size);
                        continue;
                    }
                    offsets.put(f, readOn(f, known == null ? 0 : known, size, instance, listener));
                } catch (IOException e) {
                    // removed between the listing and the read (undeploy): the next round sees it gone
                }
            }
            first = false;
            try {
                Thread.sleep(FOLLOW_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Delivers the complete lines written after {@code at}; returns where the next read starts. */
    private static long readOn(Path f, long at, long size, String instance, Consumer<LogLine> listener) throws IOException {
        if (size <= at) {
            return size;  // nothing new, or the file was cut down by trim: read on from its new end
        }
        long from = Math.max(at, size - KEEP_BYTES);
        byte[] buf = new byte[(int) (size - from)];
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            raf.seek(from);
            raf.readFully(buf);
        }
        int end = buf.length - 1;
        while (end >= 0 && buf[end] != '\n') {
            end--;
        }
        if (end < 0) {
            return from;  // a line still being written is read with the rest of it
        }
        new String(buf, 0, end, StandardCharsets.UTF_8).lines().forEach(l -> listener.accept(new LogLine(instance, "output", l)));
        return from + end + 1;
    }

    /** Removes a job's log directory (at undeploy, or before a job of that name is created again). */
    static void delete(Path dir) {
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                Secrets.deleteTree(dir);
            } catch (IOException | UncheckedIOException e) {
                // best effort: what is left is removed with the next job of that name
            }
        }
    }

    /** Cuts every log file over the limit down to its tail; processes keep appending (their files are O_APPEND). */
    static void trim(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                trimFile(f);
            }
        } catch (IOException ignored) {
            // best effort; tried again on the next round
        }
    }

    static void trimFile(Path f) throws IOException {
        long size = Files.size(f);
        if (size <= MAX_BYTES) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            byte[] keep = new byte[(int) KEEP_BYTES];
            raf.seek(size - KEEP_BYTES);
            raf.readFully(keep);
            raf.seek(0);
            raf.write("[older output removed to keep the log under its size limit]\n".getBytes(StandardCharsets.UTF_8));
            raf.write(keep);
            raf.setLength(raf.getFilePointer());
        }
    }
}
