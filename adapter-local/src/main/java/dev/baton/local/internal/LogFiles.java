package dev.baton.local.internal;

import dev.baton.LogsFacet.LogLine;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Instance output on disk, one file per instance and task ({@code <instance>.<task>.log}, stdout and stderr
 * together), kept bounded: a file over {@link #MAX_BYTES} is cut down to its last {@link #KEEP_BYTES}.
 */
final class LogFiles {
    static final long MAX_BYTES = 4L << 20;
    static final long KEEP_BYTES = 1L << 20;

    private LogFiles() {
    }

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
