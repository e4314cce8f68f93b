package dev.baton.local.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a process and every process it started: the descendants first, deepest first, so that each is reaped by
 * a parent that is still there (not left as a zombie of an init that may not reap), politely (SIGTERM) and then
 * forcibly after a grace time.
 */
final class ProcessTree {
    private static final long GRACE_MILLIS = 3000;

    private ProcessTree() {
    }

    static void kill(Process p) {
        kill(p.toHandle());
    }

    static void kill(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        Collections.reverse(tree);
        tree.forEach(ProcessHandle::destroy);
        awaitAll(tree);
        root.destroy();
        try {
            root.onExit().get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            root.destroyForcibly();
        }
    }

    private static void awaitAll(List<ProcessHandle> handles) {
        try {
            CompletableFuture.allOf(handles.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                    .get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            handles.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }
}
