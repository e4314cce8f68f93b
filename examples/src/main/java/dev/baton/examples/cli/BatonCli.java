package dev.baton.examples.cli;

import dev.baton.Capabilities;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.HostMaintenanceFacet;
import dev.baton.InvalidSpecException;
import dev.baton.LogsFacet;
import dev.baton.Manifest;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.OrchestratorException;
import dev.baton.Orchestrators;
import dev.baton.SecretData;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Violation;
import dev.baton.local.LocalOrchestrator;
import dev.baton.local.SupervisorStatus;
import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import dev.baton.spi.OrchestratorProvider;
import dev.baton.status.GroupStatus;
import dev.baton.status.Host;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code baton} command line: deploy, plan, render, status, scale, rollback and undeploy portable job specs on
 * any orchestrator whose adapter is on the class path. Exit codes: 0 success, 2 invalid spec, 3 unsupported
 * capability, 1 anything else.
 */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
        description = "Deploy one portable job spec to Kubernetes, Docker Swarm, Nomad, Marathon or this machine.",
        subcommands = {BatonCli.DeployCmd.class, BatonCli.PlanCmd.class, BatonCli.RenderCmd.class, BatonCli.StatusCmd.class,
                BatonCli.ListCmd.class, BatonCli.EndpointsCmd.class, BatonCli.ScaleCmd.class, BatonCli.RollbackCmd.class, BatonCli.UndeployCmd.class,
                BatonCli.HostsCmd.class, BatonCli.DrainCmd.class, BatonCli.ActivateCmd.class, BatonCli.SecretCmd.class,
                BatonCli.LogsCmd.class, BatonCli.CapabilitiesCmd.class, BatonCli.SupervisorCmd.class})
public final class BatonCli implements Runnable {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int INVALID_SPEC = 2;
    static final int UNSUPPORTED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Each subcommand by name, as the annotation above lists them (BatonCliTest keeps the two in step). */
    static final Map<String, java.util.function.Supplier<Object>> COMMANDS = Map.ofEntries(
            Map.entry("deploy", DeployCmd::new), Map.entry("plan", PlanCmd::new), Map.entry("render", RenderCmd::new),
            Map.entry("status", StatusCmd::new), Map.entry("list", ListCmd::new), Map.entry("endpoints", EndpointsCmd::new),
            Map.entry("scale", ScaleCmd::new), Map.entry("rollback", RollbackCmd::new), Map.entry("undeploy", UndeployCmd::new),
            Map.entry("hosts", HostsCmd::new), Map.entry("drain", DrainCmd::new), Map.entry("activate", ActivateCmd::new),
            Map.entry("secret", SecretCmd::new), Map.entry("logs", LogsCmd::new), Map.entry("capabilities", CapabilitiesCmd::new),
            Map.entry("supervisor", SupervisorCmd::new));

    /** The root command with no subcommand declared, for {@link #commandLine}. */
    @Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0",
            description = "Deploy one portable job spec to Kubernetes, Docker Swarm, Nomad, Marathon or this machine.")
    static final class Lean implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /**
     * The command line for {@code args}: when they name a subcommand, only that one is built under the root (picocli
     * inspects every subcommand it is handed, by reflection, which costs a cold start more than reading and rendering a
     * spec); for anything else (no subcommand, help, version, a mistake) all of them.
     */
    static CommandLine commandLine(String[] args) {
        java.util.function.Supplier<Object> sub = args.length == 0 ? null : COMMANDS.get(args[0]);
        if (sub == null) {
            return new CommandLine(new BatonCli());
        }
        CommandLine root = new CommandLine(new Lean());
        root.addSubcommand(args[0], new CommandLine(sub.get()));
        return root;
    }

    /** Runs the command line with the given output streams and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, err));
        cl.setParameterExceptionHandler((e, args1) -> {
            err.println("baton: " + e.getMessage());
            err.println("try: baton " + String.join(" ", e.getCommandLine().getCommandSpec().qualifiedName().split(" ")).replaceFirst("^baton ?", "") + " --help");
            return FAILED;
        });
        return cl.execute(args);
    }

    static int report(Exception e, PrintWriter err) {
        if (e instanceof InvalidSpecException invalid) {
            err.println("invalid spec:");
            for (Violation v : invalid.violations()) {
                err.println("  " + v);
            }
            return INVALID_SPEC;
        }
        if (e instanceof UnsupportedCapabilityException u) {
            err.println("unsupported: " + u.getMessage());
            return UNSUPPORTED;
        }
        if (e instanceof OrchestratorException o) {
            err.println("baton: " + o.getMessage());
            return FAILED;
        }
        if (e instanceof UncheckedIOException io) {
            err.println("baton: " + describe(io.getCause()));
            return FAILED;
        }
        if (e instanceof IOException io) {
            err.println("baton: " + describe(io));
            return FAILED;
        }
        if (e instanceof IllegalArgumentException bad) {
            err.println("baton: " + bad.getMessage());
            return FAILED;
        }
        err.println("baton: unexpected failure: " + e);
        e.printStackTrace(err);
        return FAILED;
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file: " + e.getMessage() : e.getMessage();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every command that talks to a platform has. */
    static class TargetOption {
        @Option(names = {"-t", "--target"}, description = "endpoint, e.g. local://, kubernetes://, swarm://, nomad://host:4646, marathon://host:8080 (default: $BATON_TARGET or local://)")
        String target;

        String endpoint() {
            if (target != null) {
                return target;
            }
            String env = System.getenv("BATON_TARGET");
            return env == null || env.isBlank() ? "local://" : env;
        }

        Orchestrator connect() {
            return Orchestrators.connect(Target.parse(endpoint()), OrchestratorConfig.defaults());
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    @Command(name = "deploy", description = "Create or update the job of a spec file.")
    static class DeployCmd extends Base {
        @Parameters(paramLabel = "FILE")
        Path file;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--wait", description = "wait until the job is healthy, failed or rolled back")
        boolean await;
        @Option(names = "--timeout", defaultValue = "5m", description = "how long --wait waits (default 5m)")
        String timeout;
        @Option(names = "--best-effort", description = "drop fields the target cannot honour instead of refusing the spec")
        boolean bestEffort;
        @Option(names = "--force", description = "override a deployment in progress where the platform allows it")
        boolean force;

        @Override
        public Integer call() {
            JobSpec job = Specs.read(file);
            Duration wait = dev.baton.model.Durations.parse(timeout);
            try (Orchestrator o = t.connect()) {
                Deployment d = o.deploy(job, new DeployOptions(bestEffort, force));
                out().println((d.changed() ? "deploying " : "unchanged: ") + d.jobId() + " on " + o.capabilities().platform()
                        + d.deploymentId().map(id -> " (deployment " + id + ")").orElse(""));
                if (!await) {
                    return OK;
                }
                return Progress.await(d, wait, out());
            }
        }
    }

    /** picocli mixin form of {@link TargetOption}. */
    static class TargetOptionMixin extends TargetOption {
    }

    @Command(name = "plan", description = "Show what a deploy would change, and every field the target cannot honour.")
    static class PlanCmd extends Base {
        @Parameters(paramLabel = "FILE")
        Path file;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            JobSpec job = Specs.read(file);
            try (Orchestrator o = t.connect()) {
                Plan plan = o.plan(job);
                out().print(plan.describe());
                if (plan.isNoOp() && plan.unsupported().isEmpty()) {
                    out().println("no changes");
                }
                return plan.unsupported().stream().anyMatch(u -> !u.droppable()) ? UNSUPPORTED : OK;
            }
        }
    }

    @Command(name = "render", description = "Print the native manifest for a platform, without contacting anything.")
    static class RenderCmd extends Base {
        @Parameters(paramLabel = "FILE")
        Path file;
        @Option(names = {"-t", "--target"}, required = true, description = "kubernetes, swarm, nomad, marathon, local, or an endpoint")
        String target;

        @Override
        public Integer call() {
            JobSpec job = Specs.read(file);
            Target tg = Target.parse(target.contains("://") ? target : target + "://");
            try (Orchestrator o = Orchestrators.connect(tg, OrchestratorConfig.defaults())) {
                Manifest m = o.render(job);
                out().print(m.content());
                if (!m.content().endsWith("\n")) {
                    out().println();
                }
                return OK;
            }
        }
    }

    @Command(name = "status", description = "Show a job's state, health and instances.")
    static class StatusCmd extends Base {
        @Parameters(paramLabel = "JOB")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                JobStatus s = o.status(job);
                out().printf("job %s: %s, %s, version %s%s%n", s.jobId(), s.state(), s.health(), s.version(),
                        s.message() == null ? "" : " (" + s.message() + ")");
                for (GroupStatus g : s.groups()) {
                    out().printf("  group %s: %d/%d healthy%n", g.name(), g.healthy(), g.desired());
                    for (InstanceStatus i : g.instances()) {
                        out().printf("    %-24s %-9s %-9s %s %s%s%s%n", i.id(), i.state(), i.health(),
                                i.host() == null ? "-" : i.host(), i.address() == null ? "" : i.address(),
                                i.ports().isEmpty() ? "" : " " + i.ports(),
                                i.exitCode() == null ? "" : " exit " + i.exitCode() + (i.reason() == null ? "" : " (" + i.reason() + ")"));
                    }
                }
                return OK;
            }
        }
    }

    @Command(name = "list", description = "List the jobs Baton deployed.")
    static class ListCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--label", description = "key=value a job's labels must include")
        Map<String, String> labels = new LinkedHashMap<>();

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                o.list(Selector.labels(labels)).forEach(j -> out().printf("%-30s %-8s %s %s%n", j.jobId(), j.type(), j.state(), j.labels()));
                return OK;
            }
        }
    }

    @Command(name = "endpoints", description = "Print where a service can be reached, one address per line.")
    static class EndpointsCmd extends Base {
        @Parameters(paramLabel = "SERVICE")
        String service;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                o.endpoints(service).forEach(e -> out().println("http://" + e.hostAndPort() + "/"));
                return OK;
            }
        }
    }

    @Command(name = "scale", description = "Change a group's instance count.")
    static class ScaleCmd extends Base {
        @Parameters(index = "0", paramLabel = "JOB")
        String job;
        @Parameters(index = "1", paramLabel = "GROUP")
        String group;
        @Parameters(index = "2", paramLabel = "COUNT")
        int count;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--wait")
        boolean await;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                Deployment d = o.scale(job, group, count);
                out().println("scaling " + job + "/" + group + " to " + count);
                return await ? Progress.await(d, Duration.ofMinutes(5), out()) : OK;
            }
        }
    }

    @Command(name = "rollback", description = "Return a job to its previous version.")
    static class RollbackCmd extends Base {
        @Parameters(paramLabel = "JOB")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--wait")
        boolean await;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                Deployment d = o.rollback(job);
                out().println("rolling back " + job);
                return await ? Progress.await(d, Duration.ofMinutes(5), out()) : OK;
            }
        }
    }

    @Command(name = "undeploy", description = "Remove a job and everything Baton created for it.")
    static class UndeployCmd extends Base {
        @Parameters(paramLabel = "JOB")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                o.undeploy(job);
                out().println("undeployed " + job);
                return OK;
            }
        }
    }

    @Command(name = "hosts", description = "List the cluster's hosts.")
    static class HostsCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                for (Host h : o.hosts()) {
                    out().printf("%-20s %-20s %-15s %-6s %-8s cpu %s/%s mem %s/%s %s%n", h.id(), h.name(), h.address(), h.state(),
                            h.availability(), h.cpuAllocated(), h.cpuCapacity(), h.memoryAllocated(), h.memoryCapacity(), h.labels());
                }
                return OK;
            }
        }
    }

    @Command(name = "drain", description = "Move work off a host and stop scheduling on it.")
    static class DrainCmd extends Base {
        @Parameters(paramLabel = "HOST")
        String host;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--deadline", description = "e.g. 10m")
        String deadline;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                HostMaintenanceFacet f = facet(o, HostMaintenanceFacet.class, "drain", "feature.DRAIN");
                f.drain(host, deadline == null ? null : dev.baton.model.Durations.parse(deadline), true);
                out().println("draining " + host);
                return OK;
            }
        }
    }

    @Command(name = "activate", description = "Allow scheduling on a drained host again.")
    static class ActivateCmd extends Base {
        @Parameters(paramLabel = "HOST")
        String host;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                HostMaintenanceFacet f = facet(o, HostMaintenanceFacet.class, "activate", "feature.DRAIN");
                f.activate(host);
                out().println("activated " + host);
                return OK;
            }
        }
    }

    @Command(name = "supervisor", description = "See, start or stop the local supervisor that keeps local:// jobs running.",
            subcommands = {SupervisorStatusCmd.class, SupervisorStartCmd.class, SupervisorStopCmd.class})
    static class SupervisorCmd implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    /** The local orchestrator behind a target, or a plain error for targets that have no local supervisor. */
    static LocalOrchestrator local(Orchestrator o) {
        return o.facet(LocalOrchestrator.class).orElseThrow(() -> new IllegalArgumentException(
                "the supervisor commands are for local:// targets; " + o.capabilities().platform() + " has no local supervisor"));
    }

    static void describe(SupervisorStatus s, PrintWriter out) {
        if (s.running()) {
            Duration up = s.startedAt() == null ? null : Duration.between(s.startedAt(), java.time.Instant.now());
            out.println("supervisor of " + s.stateDirectory() + ": running" + (s.embedded() ? " in this process" : ", pid " + s.pid())
                    + (up == null ? "" : ", up " + dev.baton.model.Durations.format(up.withNanos(0))));
        } else {
            out.println("supervisor of " + s.stateDirectory() + ": not running");
        }
        out.println("jobs: " + s.jobs() + ", instances running: " + s.instances()
                + (!s.running() && s.instances() > 0 ? " (not watched: `baton supervisor start` takes them back)" : ""));
    }

    /** A supervisor command that shows the supervisor's status after doing what it does. */
    abstract static class SupervisorShowCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;

        abstract SupervisorStatus act(LocalOrchestrator local);

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                describe(act(local(o)), out());
                return OK;
            }
        }
    }

    @Command(name = "status", description = "Whether the local supervisor runs, its pid, uptime, jobs and instances (starts nothing).")
    static class SupervisorStatusCmd extends SupervisorShowCmd {
        @Override
        SupervisorStatus act(LocalOrchestrator local) {
            return local.supervisor();
        }
    }

    @Command(name = "start", description = "Start the local supervisor; it takes back the jobs recorded in its state directory.")
    static class SupervisorStartCmd extends SupervisorShowCmd {
        @Override
        SupervisorStatus act(LocalOrchestrator local) {
            return local.startSupervisor();
        }
    }

    @Command(name = "stop", description = "Stop every local job's processes, forget the jobs, and stop the supervisor.")
    static class SupervisorStopCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                LocalOrchestrator local = local(o);
                SupervisorStatus before = local.supervisor();
                local.stopSupervisor();
                out().println("stopped " + before.jobs() + " job(s) and the supervisor of " + before.stateDirectory());
                return OK;
            }
        }
    }

    @Command(name = "secret", description = "Store, list and delete secrets.",
            subcommands = {SecretPutCmd.class, SecretListCmd.class, SecretDeleteCmd.class})
    static class SecretCmd implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    static SecretsFacet secrets(Orchestrator o) {
        return facet(o, SecretsFacet.class, "secrets", "feature.SECRET_STORE");
    }

    /** An optional ability of the orchestrator, or the platform's reason for lacking it. */
    static <F> F facet(Orchestrator o, Class<F> type, String operation, String capabilityKey) {
        return o.facet(type).orElseThrow(() ->
                UnsupportedCapabilityException.operation(o.capabilities().platform(), operation, o.capabilities().reason(capabilityKey)));
    }

    @Command(name = "put", description = "Create or replace a secret: KEY=value or KEY=@file.")
    static class SecretPutCmd extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE|KEY=@FILE")
        List<String> entries;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() throws IOException {
            Map<String, byte[]> values = new LinkedHashMap<>();
            for (String e : entries) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("\"" + e.replaceAll("=.*", "=…") + "\" is not KEY=value or KEY=@file");
                }
                String v = e.substring(eq + 1);
                values.put(e.substring(0, eq), v.startsWith("@") ? Files.readAllBytes(Path.of(v.substring(1)))
                        : v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            try (Orchestrator o = t.connect()) {
                secrets(o).put(name, SecretData.ofBytes(values));
                out().println("stored secret " + name + " with keys " + values.keySet());
                return OK;
            }
        }
    }

    @Command(name = "list", description = "List secrets with their keys, never their values.")
    static class SecretListCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                secrets(o).list().forEach(s -> out().println(s.name() + " " + s.keys()));
                return OK;
            }
        }
    }

    @Command(name = "delete", description = "Delete a secret.")
    static class SecretDeleteCmd extends Base {
        @Parameters(paramLabel = "NAME")
        String name;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                secrets(o).delete(name);
                out().println("deleted secret " + name);
                return OK;
            }
        }
    }

    @Command(name = "logs", description = "Print the last lines of every instance's output.")
    static class LogsCmd extends Base {
        @Parameters(paramLabel = "JOB")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--tail", defaultValue = "100")
        int tail;

        @Override
        public Integer call() {
            try (Orchestrator o = t.connect()) {
                LogsFacet f = facet(o, LogsFacet.class, "logs", "feature.LOGS");
                f.logs(job, tail).forEach(l -> out().println(l));
                return OK;
            }
        }
    }

    @Command(name = "capabilities", description = "The matrix of what each adapter on the class path honours.")
    static class CapabilitiesCmd extends Base {
        @Option(names = "--markdown", description = "print a Markdown table (the README's copy is generated with this)")
        boolean markdown;

        @Override
        public Integer call() {
            out().print(CapabilityMatrix.render(Orchestrators.providers(), markdown));
            return OK;
        }
    }

    /** The capability matrix, from the providers' own {@link Capabilities}. */
    static final class CapabilityMatrix {
        private static final List<String> ORDER = List.of("kubernetes", "swarm", "nomad", "marathon", "local");

        private CapabilityMatrix() {
        }

        static String render(List<OrchestratorProvider> providers, boolean markdown) {
            List<OrchestratorProvider> sorted = new ArrayList<>(providers);
            sorted.sort(Comparator.comparingInt((OrchestratorProvider p) -> ORDER.indexOf(p.id()) < 0 ? 99 : ORDER.indexOf(p.id()))
                    .thenComparing(OrchestratorProvider::id));
            List<Map<String, Boolean>> matrices = sorted.stream().map(p -> p.capabilities().matrix()).toList();
            StringBuilder sb = new StringBuilder();
            List<String> keys = new ArrayList<>(Capabilities.builder("none").build().matrix().keySet());
            if (markdown) {
                sb.append("| capability |");
                sorted.forEach(p -> sb.append(' ').append(p.id()).append(" |"));
                sb.append("\n| --- |");
                sorted.forEach(p -> sb.append(" :-: |"));
                sb.append('\n');
                for (String k : keys) {
                    sb.append("| `").append(k).append("` |");
                    matrices.forEach(m -> sb.append(Boolean.TRUE.equals(m.get(k)) ? " yes |" : " no |"));
                    sb.append('\n');
                }
            } else {
                sb.append(String.format("%-34s", "capability"));
                sorted.forEach(p -> sb.append(String.format("%-11s", p.id())));
                sb.append('\n');
                for (String k : keys) {
                    sb.append(String.format("%-34s", k));
                    matrices.forEach(m -> sb.append(String.format("%-11s", Boolean.TRUE.equals(m.get(k)) ? "yes" : "-")));
                    sb.append('\n');
                }
            }
            return sb.toString();
        }
    }
}
