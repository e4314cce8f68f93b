package dev.baton.local.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ends a process and every process it started, politely first (SIGTERM), then forcibly after a grace time. */
final class ProcessTree {
    private static final long GRACE_MILLIS = 3000;

    private ProcessTree() {
    }

    static void kill(Process p) {
        kill(p.toHandle());
    }

    static void kill(ProcessHandle root) {
        List<ProcessHandle> tree = root.descendants().toList();
        root.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            root.onExit().get(GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            root.destroyForcibly();
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }
}
