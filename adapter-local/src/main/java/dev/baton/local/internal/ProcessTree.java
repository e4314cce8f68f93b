package dev.baton.local.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ends instances' processes and everything they started. Each task runs as the leader of its own process group
 * (started through {@code setsid} where there is one), so its whole group is found in {@code /proc} even after
 * a crash of the supervisor re-parented it. Ending goes politely, then forcibly: the members other than the
 * leader get SIGTERM first (so each is reaped by a parent that is still there, not left as a zombie of an init
 * that may not reap), then the leader; whatever is left after {@link #GRACE_MILLIS} gets SIGKILL. Nothing blocks
 * the caller: the returned future completes when every process is gone.
 */
final class ProcessTree {
    static final long GRACE_MILLIS = 3000;
    private static final Path PROC = Path.of("/proc");
    static final String SETSID = Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid"
            : Files.isExecutable(Path.of("/bin/setsid")) ? "/bin/setsid" : null;

    private ProcessTree() {
    }

    /** A process as recorded: its pid and the instant it started, which together tell it from a later one with the same pid. */
    record Identity(long pid, Instant start) {
        static Identity of(ProcessHandle h) {
            return new Identity(h.pid(), h.info().startInstant().orElse(null));
        }

        /** The live process this identity names, if it is still the same process (a reused pid is not). */
        Optional<ProcessHandle> live() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> start != null
                    && start.equals(h.info().startInstant().orElse(null)) && !zombie(pid));
        }
    }

    static boolean zombie(long pid) {
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The processes of a group leader's process group (read from /proc), and its descendants, the deepest first. */
    static List<ProcessHandle> members(ProcessHandle leader) {
        Set<ProcessHandle> out = new LinkedHashSet<>(leader.descendants().toList());
        out.addAll(group(leader.pid()));
        out.remove(leader);
        List<ProcessHandle> ordered = new ArrayList<>(out);
        java.util.Collections.reverse(ordered);
        return ordered;
    }

    /** The live processes whose process group is {@code pgid}, the leader among them if it still runs. */
    static List<ProcessHandle> group(long pgid) {
        List<ProcessHandle> out = new ArrayList<>();
        if (!Files.isDirectory(PROC)) {
            return out;
        }
        String group = Long.toString(pgid);
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.map(p -> p.getFileName().toString()).filter(n -> !n.isEmpty() && Character.isDigit(n.charAt(0)))
                    .filter(n -> group.equals(processGroup(n)))
                    .forEach(n -> ProcessHandle.of(Long.parseLong(n)).filter(h -> !zombie(h.pid())).ifPresent(out::add));
        } catch (IOException | RuntimeException ignored) {
            // the descendants are what we have
        }
        return out;
    }

    private static String processGroup(String pid) {
        try {
            String stat = Files.readString(PROC.resolve(pid).resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2];
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Ends every process of the given leaders' groups; completes when all are gone. Never blocks. */
    static CompletableFuture<Void> terminate(Collection<ProcessHandle> leaders, ScheduledExecutorService timer) {
        List<ProcessHandle> roots = leaders.stream().filter(ProcessHandle::isAlive).toList();
        if (roots.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<ProcessHandle> members = roots.stream().flatMap(r -> members(r).stream()).filter(ProcessHandle::isAlive).toList();
        List<Long> groups = roots.stream().map(ProcessHandle::pid).toList();
        return stage(members, timer).thenCompose(x -> stage(roots, timer)).thenCompose(x -> sweep(groups, timer));
    }

    /**
     * Kills whatever is still in the groups once their leaders are gone: children a member started while it was being
     * ended, which no earlier stage knew of.
     */
    private static CompletableFuture<Void> sweep(List<Long> groups, ScheduledExecutorService timer) {
        List<ProcessHandle> left = groups.stream().flatMap(g -> group(g).stream()).toList();
        if (left.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        left.forEach(ProcessHandle::destroyForcibly);
        CompletableFuture<Void> gone = CompletableFuture.allOf(left.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
        CompletableFuture<Void> bounded = new CompletableFuture<>();
        gone.whenComplete((x, e) -> bounded.complete(null));
        timer.schedule(() -> bounded.complete(null), GRACE_MILLIS, TimeUnit.MILLISECONDS);
        return bounded;
    }

    private static CompletableFuture<Void> stage(List<ProcessHandle> handles, ScheduledExecutorService timer) {
        if (handles.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        handles.forEach(ProcessHandle::destroy);
        CompletableFuture<Void> gone = CompletableFuture.allOf(handles.stream().map(ProcessHandle::onExit)
                .toArray(CompletableFuture[]::new));
        timer.schedule(() -> {
            if (!gone.isDone()) {
                handles.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            }
        }, GRACE_MILLIS, TimeUnit.MILLISECONDS);
        return gone;
    }

    /** Ends the processes and waits for them (used where nothing else is held: shutdown, undeploy). */
    static void terminateAndWait(Collection<ProcessHandle> leaders, ScheduledExecutorService timer) {
        try {
            terminate(leaders, timer).get(4 * GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            leaders.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }
}
