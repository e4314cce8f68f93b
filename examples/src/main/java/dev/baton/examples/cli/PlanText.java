package dev.baton.examples.cli;

import dev.baton.Unsupported;
import dev.baton.model.Durations;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskKind;
import dev.baton.model.TaskSpec;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
import dev.baton.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Plan} as {@code baton plan} prints it for a person: one line per native object ({@code +} create,
 * {@code ~} update, {@code -/+} replace, {@code -} delete), under an update one line per changed field
 * ({@code path: old → new}), a new job summarised group by group from its spec instead of as JSON, and each field
 * the target cannot honour once: as a refusal, or, when a best-effort deploy would leave it out, as a warning.
 */
final class PlanText {
    private final String arrow;

    /** {@code unicode}: whether the output can show {@code →} (else {@code ->}). */
    PlanText(boolean unicode) {
        this.arrow = unicode ? " → " : " -> ";
    }

    String render(Plan plan, JobSpec spec) {
        StringBuilder sb = new StringBuilder();
        boolean summarised = false;
        for (Change c : plan.changes()) {
            sb.append(switch (c.action()) {
                case CREATE -> "+ ";
                case UPDATE -> "~ ";
                case REPLACE -> "-/+ ";
                case DESTROY -> "- ";
                case NONE -> "= ";
            }).append(c.kind()).append(' ').append(c.name());
            sb.append(switch (c.action()) {
                case REPLACE -> " (replaced: a field that changes cannot be updated in place)";
                case NONE -> " (unchanged)";
                default -> "";
            }).append('\n');
            if (c.action() == Change.Action.CREATE && c.kind().equals("job")) {
                // the one object of the job: the whole spec is new, shown as the spec reads rather than as JSON
                summary(spec, "    ", sb);
                summarised = true;
                continue;
            }
            for (FieldChange f : c.fields()) {
                if (c.action() == Change.Action.CREATE && f.path().isEmpty()) {
                    continue;
                }
                sb.append("    ").append(f.path().isEmpty() ? "(whole object)" : f.path()).append(": ")
                        .append(value(f.before())).append(arrow).append(value(f.after())).append('\n');
            }
        }
        boolean newJob = !plan.changes().isEmpty() && plan.changes().stream()
                .allMatch(c -> c.action() == Change.Action.CREATE);
        if (newJob && !summarised) {
            sb.append("  new job ").append(spec.name()).append(":\n");
            summary(spec, "    ", sb);
        }
        refusals(plan, sb);
        return sb.toString();
    }

    /** Each field the target cannot honour once, then the plan's other warnings, then what that means for a deploy. */
    private static void refusals(Plan plan, StringBuilder sb) {
        long refused = plan.unsupported().stream().filter(u -> !u.droppable()).count();
        long droppable = plan.unsupported().size() - refused;
        for (Unsupported u : plan.unsupported()) {
            if (!u.droppable()) {
                sb.append("refused: ").append(u).append('\n');
            }
        }
        List<String> shown = new ArrayList<>();
        for (Unsupported u : plan.unsupported()) {
            if (u.droppable()) {
                sb.append("warning: ").append(u).append("; --best-effort leaves it out\n");
                shown.add(u.path());
            }
        }
        for (String w : plan.warnings()) {
            // the capability check's "dropped PATH: …" repeats a field listed above
            if (shown.stream().noneMatch(p -> w.startsWith("dropped " + p + ":"))) {
                sb.append("warning: ").append(w).append('\n');
            }
        }
        if (refused > 0) {
            sb.append(plan.platform()).append(" cannot run this spec: ").append(count(refused, "field")).append(" refused\n");
        } else if (droppable > 0) {
            sb.append("deploy refuses ").append(count(droppable, "field")).append(" above; deploy --best-effort deploys without ")
                    .append(droppable == 1 ? "it" : "them").append('\n');
        }
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String value(String json) {
        return json == null ? "(none)" : json;
    }

    /** A spec in a few lines: its groups, their tasks, ports, checks and services. */
    static void summary(JobSpec spec, String indent, StringBuilder sb) {
        sb.append(indent).append("type ").append(spec.type().id());
        if (spec.schedule() != null) {
            sb.append(", schedule \"").append(spec.schedule()).append('"');
        }
        if (spec.namespace() != null) {
            sb.append(", namespace ").append(spec.namespace());
        }
        if (!spec.labels().isEmpty()) {
            sb.append(", labels ").append(Output.pairs(spec.labels()));
        }
        sb.append('\n');
        for (GroupSpec g : spec.groups()) {
            sb.append(indent).append("group ").append(g.name()).append(": ")
                    .append(g.count() == null && spec.type() == dev.baton.model.JobType.SYSTEM ? "one per host"
                            : g.countOrDefault() + (g.countOrDefault() == 1 ? " instance" : " instances"));
            if (g.restart() != null) {
                sb.append(", restart ").append(g.restart().policy().id());
            }
            sb.append('\n');
            for (TaskSpec t : g.tasks()) {
                sb.append(indent).append("  task ").append(t.name()).append(": ");
                if (t.kind() == TaskKind.CONTAINER) {
                    sb.append("image ").append(t.image());
                    if (!t.command().isEmpty() || !t.args().isEmpty()) {
                        sb.append(", runs ").append(words(t.command(), t.args()));
                    }
                } else {
                    sb.append("runs ").append(words(t.command(), t.args()));
                }
                sb.append('\n');
                List<String> details = new ArrayList<>();
                if (!t.ports().isEmpty()) {
                    details.add("ports " + String.join(", ", t.ports().stream().map(PlanText::port).toList()));
                }
                if (t.resources() != null && (t.resources().cpu() != null || t.resources().memory() != null)) {
                    details.add("cpu " + Output.cell(t.resources().cpu()) + ", memory " + Output.cell(t.resources().memory()));
                }
                if (!t.env().isEmpty()) {
                    details.add("env " + String.join(", ", t.env().keySet()));
                }
                for (HealthCheck h : t.health()) {
                    details.add("health " + check(h) + " every " + Durations.format(h.timing().interval()));
                }
                if (!t.secrets().isEmpty()) {
                    details.add(t.secrets().size() + (t.secrets().size() == 1 ? " secret" : " secrets"));
                }
                if (!t.volumes().isEmpty()) {
                    details.add(t.volumes().size() + (t.volumes().size() == 1 ? " volume" : " volumes"));
                }
                if (!details.isEmpty()) {
                    sb.append(indent).append("    ").append(String.join("; ", details)).append('\n');
                }
            }
            for (ServiceSpec s : g.services()) {
                sb.append(indent).append("  service ").append(s.name()).append(": port ").append(s.port()).append(", ")
                        .append(s.expose() == null ? "internal" : s.expose().id())
                        .append(s.publishedPort() == null ? "" : " on " + s.publishedPort()).append('\n');
            }
        }
    }

    private static String port(PortSpec p) {
        return p.name() + (p.isDynamic() ? " (dynamic)" : " " + p.port())
                + (p.protocol() == null || p.protocol() == dev.baton.model.Protocol.TCP ? "" : "/" + p.protocol().id());
    }

    private static String check(HealthCheck h) {
        if (h instanceof HealthCheck.Http http) {
            return "http " + http.path() + " on " + http.port();
        }
        if (h instanceof HealthCheck.Tcp tcp) {
            return "tcp on " + tcp.port();
        }
        return "exec " + String.join(" ", ((HealthCheck.Exec) h).command());
    }

    private static String words(List<String> command, List<String> args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(args);
        return String.join(" ", all.stream().map(w -> w.isEmpty() || w.matches(".*[\\s\"'].*") ? "\"" + w.replace("\"", "\\\"") + "\"" : w).toList());
    }
}
