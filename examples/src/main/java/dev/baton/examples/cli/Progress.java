package dev.baton.examples.cli;

import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.status.Event;
import dev.baton.status.GroupProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * Shows a deployment's progress while waiting: a bar per group on a terminal, plain lines otherwise.
 */
final class Progress {
    private static final int WIDTH = 20;

    private Progress() {
    }

    static int await(Deployment d, Duration timeout, PrintWriter out) {
        boolean terminal = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
        var sub = d.onEvent(e -> show(e, terminal, out));
        DeploymentResult r;
        try {
            r = d.await(timeout);
        } finally {
            sub.close();
        }
        if (terminal) {
            out.println();
        }
        out.println(d.jobId() + ": " + r.outcome().name().toLowerCase().replace('_', ' ')
                + (r.message() == null ? "" : " (" + r.message() + ")"));
        out.flush();
        return r.isSuccess() ? BatonCli.OK : BatonCli.FAILED;
    }

    private static void show(Event e, boolean terminal, PrintWriter out) {
        if (e.type() == Event.Type.PROGRESS) {
            String line = e.progress().stream().map(p -> terminal ? bar(p) : p.group() + " " + p.healthy() + "/" + p.desired() + " healthy")
                    .collect(Collectors.joining(terminal ? "  " : ", "));
            if (terminal) {
                out.print("\r" + line + "   ");
            } else {
                out.println(line);
            }
        } else if (e.message() != null && e.type() != Event.Type.DEPLOYMENT_SUCCEEDED) {
            out.println((terminal ? "\r" : "") + e.type().name().toLowerCase().replace('_', ' ') + ": " + e.message());
        }
        out.flush();
    }

    static String bar(GroupProgress p) {
        int filled = p.desired() == 0 ? WIDTH : Math.min(WIDTH, p.healthy() * WIDTH / p.desired());
        return p.group() + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + p.healthy() + "/" + p.desired();
    }
}
