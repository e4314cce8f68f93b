package dev.baton.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * What this process holds, for leak tests: many cycles of connect, deploy, await, undeploy and close should leave it
 * with the threads and file descriptors it had. Linux only ({@code /proc/self/fd}).
 *
 * @since 0.1
 */
public final class ProcessResources {
    private ProcessResources() {
    }

    /** The file descriptors this process has open (the entries of {@code /proc/self/fd}). */
    public static long fileDescriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd: leak tests need Linux", e);
        }
    }

    /** The live threads of this process. */
    public static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** The names of this process's live threads, sorted, with how many share each name once digits are left out. */
    public static java.util.SortedMap<String, Integer> threadNames() {
        java.util.SortedMap<String, Integer> out = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            out.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return out;
    }

    /**
     * Lets closed connections and finished threads go before a count: {@code rounds} times a garbage collection and a
     * pause of {@code pause} (client pools and dispatcher threads end on their own idle timers).
     */
    public static void settle(int rounds, Duration pause) throws InterruptedException {
        for (int i = 0; i < rounds; i++) {
            System.gc();
            Thread.sleep(pause.toMillis());
        }
    }
}
