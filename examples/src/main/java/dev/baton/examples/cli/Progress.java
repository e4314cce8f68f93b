package dev.baton.examples.cli;

import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.LogsFacet;
import dev.baton.Orchestrator;
import dev.baton.status.Event;
import dev.baton.status.GroupProgress;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Shows a deployment's progress while waiting (a bar per group on a terminal, plain lines otherwise, each instance
 * event with the instance's name) and, when it fails, which instances failed, the last lines of their output (where
 * the platform has a {@link LogsFacet}) and one closing line: what failed and the command that shows more.
 */
final class Progress {
    private static final int WIDTH = 20;
    /** How many failed instances are shown, and how many of each one's last log lines. */
    static final int INSTANCES_SHOWN = 3;
    static final int LOG_LINES_SHOWN = 10;

    /**
     * What is being awaited, for the closing line of a failure: the action ({@code deploy}, {@code scale}, …), the job
     * as the user named it, and the command that shows its logs ({@code baton logs hello --target local://}).
     */
    record Context(Orchestrator orchestrator, String action, String job, String logsCommand) {
    }

    private Progress() {
    }

    static int await(Deployment d, Duration timeout, Context context, PrintWriter out, PrintWriter err) {
        boolean terminal = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
        Map<String, String> troubled = new LinkedHashMap<>();
        String[] failure = new String[1];
        var sub = d.onEvent(e -> {
            synchronized (troubled) {
                if (e.instance() != null && (e.type() == Event.Type.INSTANCE_EXITED || e.type() == Event.Type.INSTANCE_UNHEALTHY)) {
                    troubled.remove(e.instance());
                    troubled.put(e.instance(), e.message());
                } else if (e.instance() != null && e.type() == Event.Type.INSTANCE_HEALTHY) {
                    troubled.remove(e.instance());
                }
                if (e.type() == Event.Type.DEPLOYMENT_FAILED && e.message() != null) {
                    failure[0] = e.message();
                }
            }
            show(e, terminal, out);
        });
        DeploymentResult r;
        try {
            r = d.await(timeout);
        } finally {
            sub.close();
        }
        if (terminal) {
            out.println();
        }
        if (r.isSuccess()) {
            out.println(d.jobId() + ": " + words(r.outcome()) + (r.message() == null ? "" : " (" + r.message() + ")"));
            out.flush();
            return BatonCli.OK;
        }
        out.println(d.jobId() + ": " + words(r.outcome()));
        Map<String, String> events;
        synchronized (troubled) {
            events = new LinkedHashMap<>(troubled);
        }
        explain(d.jobId(), r.status(), events, context, out);
        String reason = r.message() != null ? r.message() : failure[0] != null ? failure[0] : words(r.outcome());
        if (r.outcome() == DeploymentResult.Outcome.TIMED_OUT) {
            reason = "not done after " + dev.baton.model.Durations.format(timeout) + " (" + reason + "; it may still finish)";
        }
        out.flush();
        err.println(context.action() + " of " + context.job() + " failed: " + reason + "; see: " + context.logsCommand());
        err.flush();
        return BatonCli.FAILED;
    }

    /** The instances that failed, each with its state and the last lines of its output. */
    static void explain(String jobId, JobStatus atEnd, Map<String, String> events, Context context, PrintWriter out) {
        JobStatus status = atEnd;
        if (status == null) {
            try {
                status = context.orchestrator().status(jobId);
            } catch (RuntimeException e) {
                status = null;
            }
        }
        List<InstanceStatus> failed = status == null ? List.of() : status.instances().stream().filter(Progress::failed).toList();
        List<String> named = new ArrayList<>();
        for (InstanceStatus i : failed) {
            if (named.size() == INSTANCES_SHOWN) {
                break;
            }
            out.println("  instance " + i.id() + " (group " + Output.cell(i.group()) + "): " + i.state()
                    + (i.exitCode() == null ? "" : ", exit code " + i.exitCode())
                    + (i.restarts() == 0 ? "" : ", " + i.restarts() + (i.restarts() == 1 ? " restart" : " restarts"))
                    + (i.reason() == null ? "" : ": " + i.reason()));
            named.add(i.id());
        }
        if (named.isEmpty()) {
            // the status at the end no longer shows them (replaced, rolled back): the last ones events named
            List<String> ids = new ArrayList<>(events.keySet());
            for (String id : ids.subList(Math.max(0, ids.size() - INSTANCES_SHOWN), ids.size())) {
                out.println("  instance " + id + ": " + Output.cell(events.get(id)));
                named.add(id);
            }
        }
        if (named.isEmpty()) {
            return;
        }
        LogsFacet logs = context.orchestrator().facet(LogsFacet.class).orElse(null);
        if (logs == null) {
            return;
        }
        List<LogsFacet.LogLine> lines;
        try {
            lines = logs.logs(jobId, 50);
        } catch (RuntimeException e) {
            out.println("  (its output could not be read: " + e.getMessage() + ")");
            return;
        }
        for (String id : named) {
            List<LogsFacet.LogLine> own = lines.stream().filter(l -> l.instance().equals(id) || l.instance().startsWith(id + ".")).toList();
            if (own.isEmpty()) {
                out.println("  no output from " + id);
                continue;
            }
            out.println("  last lines of " + id + ":");
            own.subList(Math.max(0, own.size() - LOG_LINES_SHOWN), own.size()).forEach(l -> out.println("    " + l));
        }
    }

    private static boolean failed(InstanceStatus i) {
        return i.state() == InstanceState.FAILED
                || (i.state().isTerminal() && i.exitCode() != null && i.exitCode() != 0)
                || (i.state() == InstanceState.RUNNING && i.health() == dev.baton.status.Health.UNHEALTHY)
                || (!i.isHealthy() && i.restarts() > 0);
    }

    private static String words(Enum<?> e) {
        return e.name().toLowerCase().replace('_', ' ');
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
        } else if (e.type() != Event.Type.DEPLOYMENT_SUCCEEDED && e.type() != Event.Type.DEPLOYMENT_FAILED
                && (e.message() != null || e.instance() != null)) {
            // the end of the deployment is said once, after the wait
            out.println((terminal ? "\r" : "") + words(e.type()) + ": " + (e.instance() == null ? "" : e.instance())
                    + (e.instance() != null && e.message() != null ? ": " : "") + (e.message() == null ? "" : e.message()));
        }
        out.flush();
    }

    static String bar(GroupProgress p) {
        int filled = p.desired() == 0 ? WIDTH : Math.min(WIDTH, p.healthy() * WIDTH / p.desired());
        return p.group() + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + p.healthy() + "/" + p.desired();
    }
}
