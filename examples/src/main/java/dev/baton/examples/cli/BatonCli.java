package dev.baton.examples.cli;

import dev.baton.Capabilities;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.HostMaintenanceFacet;
import dev.baton.InvalidSpecException;
import dev.baton.LogsFacet;
import dev.baton.Manifest;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.OrchestratorException;
import dev.baton.Orchestrators;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Violation;
import dev.baton.local.LocalOrchestrator;
import dev.baton.local.SupervisorStatus;
import dev.baton.model.Durations;
import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import dev.baton.spi.OrchestratorProvider;
import dev.baton.status.Endpoint;
import dev.baton.status.GroupStatus;
import dev.baton.status.Host;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
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
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code baton} command line: deploy, plan, render, status, scale, rollback and undeploy portable job specs on
 * any orchestrator whose adapter is on the class path. Exit codes: 0 success, 2 invalid spec, 3 unsupported
 * capability, 1 anything else (an argument error included).
 */
@Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = BatonCli.VersionProvider.class,
        description = "Deploy one portable job spec to Kubernetes, Docker Swarm, Nomad, Marathon or this machine.",
        footer = {"", "Run 'baton help COMMAND' or 'baton COMMAND --help' for the options of a command."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure, or a wrong argument", "2:invalid spec", "3:unsupported capability"},
        subcommands = {BatonCli.DeployCmd.class, BatonCli.PlanCmd.class, BatonCli.RenderCmd.class, BatonCli.StatusCmd.class,
                BatonCli.ListCmd.class, BatonCli.EndpointsCmd.class, BatonCli.ScaleCmd.class, BatonCli.RollbackCmd.class, BatonCli.UndeployCmd.class,
                BatonCli.HostsCmd.class, BatonCli.DrainCmd.class, BatonCli.ActivateCmd.class, BatonCli.SecretCmd.class,
                BatonCli.LogsCmd.class, BatonCli.CapabilitiesCmd.class, BatonCli.SupervisorCmd.class,
                CommandLine.HelpCommand.class, BatonCli.CompletionCmd.class})
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
    static final Map<String, Supplier<Object>> COMMANDS = Map.ofEntries(
            Map.entry("deploy", DeployCmd::new), Map.entry("plan", PlanCmd::new), Map.entry("render", RenderCmd::new),
            Map.entry("status", StatusCmd::new), Map.entry("list", ListCmd::new), Map.entry("endpoints", EndpointsCmd::new),
            Map.entry("scale", ScaleCmd::new), Map.entry("rollback", RollbackCmd::new), Map.entry("undeploy", UndeployCmd::new),
            Map.entry("hosts", HostsCmd::new), Map.entry("drain", DrainCmd::new), Map.entry("activate", ActivateCmd::new),
            Map.entry("secret", SecretCmd::new), Map.entry("logs", LogsCmd::new), Map.entry("capabilities", CapabilitiesCmd::new),
            Map.entry("supervisor", SupervisorCmd::new), Map.entry("help", CommandLine.HelpCommand::new),
            Map.entry("completion", CompletionCmd::new));

    /** The root command with no subcommand declared, for {@link #commandLine}. */
    @Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = BatonCli.VersionProvider.class,
            description = "Deploy one portable job spec to Kubernetes, Docker Swarm, Nomad, Marathon or this machine.",
            footer = {"", "Run 'baton help COMMAND' or 'baton COMMAND --help' for the options of a command."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:success", "1:failure, or a wrong argument", "2:invalid spec", "3:unsupported capability"})
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
     * spec); {@code help COMMAND} builds help and that command; {@code --version} the root alone; anything else (no
     * subcommand, the root's help, a mistake) all of them.
     */
    static CommandLine commandLine(String[] args) {
        if (args.length == 0) {
            return new CommandLine(new BatonCli());
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return new CommandLine(new Lean());
        }
        if (args[0].equals("help")) {
            Supplier<Object> about = args.length > 1 && !args[1].equals("help") ? COMMANDS.get(args[1]) : null;
            if (about == null) {
                return new CommandLine(new BatonCli());
            }
            CommandLine root = new CommandLine(new Lean());
            root.addSubcommand("help", new CommandLine(new CommandLine.HelpCommand()));
            root.addSubcommand(args[1], new CommandLine(about.get()));
            return root;
        }
        Supplier<Object> sub = COMMANDS.get(args[0]);
        if (sub == null) {
            return new CommandLine(new BatonCli());
        }
        CommandLine root = new CommandLine(new Lean());
        root.addSubcommand(args[0], new CommandLine(sub.get()));
        return root;
    }

    /** Runs the command line with the given output streams and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, System.getenv());
    }

    /**
     * Runs the command line with the given output streams and environment ({@code BATON_TARGET}, {@code BATON_HOME} and
     * each platform's own variables are read from it), and returns the exit code.
     */
    static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        if (args.length > 2 && args[0].equals("help")) {
            // picocli's help command looks one level down; `help secret list` is `secret list --help`
            String[] nested = java.util.Arrays.copyOfRange(args, 1, args.length + 1);
            nested[nested.length - 1] = "--help";
            args = nested;
        }
        CommandLine cl = commandLine(args);
        prepare(cl, env);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, commandLine, err));
        cl.setParameterExceptionHandler((e, args1) -> {
            err.println("baton: " + e.getMessage());
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
                CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
            }
            err.println(hint(e.getCommandLine()));
            return FAILED;
        });
        return cl.execute(args);
    }

    /** Gives each command the environment, and the version every {@code --version} prints. */
    private static void prepare(CommandLine cl, Map<String, String> env) {
        if (cl.getCommand() instanceof Base b) {
            b.env = env;
        }
        if (cl.getCommandSpec().versionProvider() == null) {
            cl.getCommandSpec().versionProvider(new VersionProvider());
        }
        cl.getSubcommands().values().forEach(sub -> prepare(sub, env));
    }

    /** Where to read about a command's arguments. */
    static String hint(CommandLine commandLine) {
        return "try: " + commandLine.getCommandSpec().qualifiedName() + " --help";
    }

    static int report(Exception e, CommandLine commandLine, PrintWriter err) {
        if (e instanceof InvalidSpecException invalid) {
            if (!(commandLine.getCommand() instanceof ReadsSpec)) {
                // a command that reads no spec: the API checked an argument (a negative count, say)
                for (Violation v : invalid.violations()) {
                    err.println("baton: invalid argument: " + v);
                }
                err.println(hint(commandLine));
                return FAILED;
            }
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

    /**
     * {@code --version}: the build's version (the jar manifest's {@code Implementation-Version}) and the adapters found
     * on the class path.
     */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            List<String> lines = new ArrayList<>();
            lines.add("baton " + version());
            lines.add("adapters on the class path:");
            for (OrchestratorProvider p : CapabilityMatrix.sorted(Orchestrators.providers())) {
                String v = p.getClass().getPackage() == null ? null : p.getClass().getPackage().getImplementationVersion();
                lines.add(String.format("  %-11s %s%s", p.id(), p.artifact(), v == null ? "" : " " + v));
            }
            lines.add("java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")");
            return lines.toArray(String[]::new);
        }

        /** The version of this build, or {@code development build} when run from classes rather than the jar. */
        static String version() {
            Package own = BatonCli.class.getPackage();
            String v = own == null ? null : own.getImplementationVersion();
            if (v != null) {
                return v;
            }
            Package core = Orchestrator.class.getPackage();
            String coreVersion = core == null ? null : core.getImplementationVersion();
            return "development build" + (coreVersion == null ? "" : " (baton-core " + coreVersion + ")");
        }
    }

    /** A command that reads a spec file: an {@link InvalidSpecException} is about that file. */
    interface ReadsSpec {
    }

    /** Options every command that talks to a platform has. */
    static class TargetOption {
        @Option(names = {"-t", "--target"}, paramLabel = "ENDPOINT",
                description = "where: local://, kubernetes:// (or k8s://), swarm://, nomad://HOST:4646, marathon://HOST:8080"
                        + " (default: $BATON_TARGET, else local://)")
        String target;

        String endpoint(Map<String, String> env) {
            if (target != null) {
                return target;
            }
            String fromEnv = env.get("BATON_TARGET");
            return fromEnv == null || fromEnv.isBlank() ? "local://" : fromEnv;
        }

        Orchestrator connect(Map<String, String> env, String namespace) {
            return Orchestrators.connect(Target.parse(endpoint(env)), config(env, namespace));
        }
    }

    static OrchestratorConfig config(Map<String, String> env, String namespace) {
        OrchestratorConfig.Builder b = OrchestratorConfig.builder().environment(env);
        if (namespace != null) {
            b.namespace(namespace);
        }
        return b.build();
    }

    /** picocli mixin form of {@link TargetOption}. */
    static class TargetOptionMixin extends TargetOption {
    }

    /** {@code -n}: the namespace of the jobs a command is about. */
    static class NamespaceOption {
        @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE",
                description = "the namespace of the job; a JOB may also be written NAMESPACE/NAME (default: the target's own, "
                        + "`default` on most platforms)")
        String namespace;

        /** The id the API takes: {@code namespace/name} when a namespace is given. */
        String jobId(String job) {
            if (namespace == null) {
                return job;
            }
            if (job.contains("/")) {
                if (!job.startsWith(namespace + "/")) {
                    throw new IllegalArgumentException("the job " + job + " is not in the namespace " + namespace + " that -n names");
                }
                return job;
            }
            return namespace + "/" + job;
        }

        /** The spec of a file, in this namespace when it names none. */
        JobSpec read(Path file) {
            JobSpec job = Specs.read(file);
            if (namespace != null && job.namespace() != null && !job.namespace().equals(namespace)) {
                throw new IllegalArgumentException(file + " puts the job in the namespace " + job.namespace()
                        + ", not in " + namespace + " that -n names");
            }
            return job;
        }

        /** {@code -n NAMESPACE} to repeat in a hint, or nothing. */
        String flag() {
            return namespace == null ? "" : " -n " + namespace;
        }
    }

    /** {@code -o}: how a command that reads something prints it. */
    static class OutputOption {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
                description = "how to print it: ${COMPLETION-CANDIDATES}; json and yaml are the Java API's records"
                        + " (default: ${DEFAULT-VALUE})")
        Output.Format format = Output.Format.text;

        boolean text() {
            return format == Output.Format.text;
        }

        void print(Object value, PrintWriter out) {
            Output.print(format, value, out);
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        /** The environment, given by {@link #run(String[], PrintWriter, PrintWriter, Map)}. */
        Map<String, String> env = System.getenv();

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        Orchestrator connect(TargetOption t, NamespaceOption ns) {
            return t.connect(env, ns == null ? null : ns.namespace);
        }

        /** A command that shows a job's logs, for the end of a failure. */
        String logsCommand(String job, TargetOption t, NamespaceOption ns) {
            return "baton logs " + job + ns.flag() + " --target " + t.endpoint(env);
        }

        CommandLine.ParameterException badArgument(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    static Duration duration(String text, String option, CommandLine commandLine) {
        try {
            return Durations.parse(text);
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(commandLine, option + ": \"" + text + "\" is not a duration (e.g. 90s, 5m, 1h)");
        }
    }

    @Command(name = "deploy", mixinStandardHelpOptions = true, description = "Create or update the job of a spec file.")
    static class DeployCmd extends Base implements ReadsSpec {
        @Parameters(paramLabel = "FILE", description = "the spec (baton/v1, YAML or JSON)")
        Path file;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @Option(names = "--wait", description = "wait until the job is healthy, failed or rolled back; on failure show the failed instances and their last log lines")
        boolean await;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "how long --wait waits (default: ${DEFAULT-VALUE})")
        String timeout;
        @Option(names = "--best-effort", description = "leave out the fields the target cannot honour (each listed by plan) instead of refusing the spec")
        boolean bestEffort;
        @Option(names = "--force", description = "override a deployment in progress where the platform allows it")
        boolean force;

        @Override
        public Integer call() {
            Duration wait = duration(timeout, "--timeout", spec.commandLine());
            JobSpec job = ns.read(file);
            try (Orchestrator o = connect(t, ns)) {
                Deployment d = o.deploy(job, new DeployOptions(bestEffort, force));
                out().println((d.changed() ? "deploying " : "unchanged: ") + d.jobId() + " on " + o.capabilities().platform()
                        + d.deploymentId().map(id -> " (deployment " + id + ")").orElse(""));
                if (!await) {
                    return OK;
                }
                String name = job.namespace() == null ? job.name() : job.namespace() + "/" + job.name();
                return Progress.await(d, wait, new Progress.Context(o, "deploy", name, logsCommand(name, t, ns)), out(), err());
            }
        }
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = "Show what a deploy would change, and every field the target cannot honour.",
            footer = {"", "+ create, ~ update (one line per field: path: old → new), -/+ replace, - delete, = unchanged.",
                    "refused: a field the target cannot honour; warning: one deploy --best-effort leaves out.",
                    "Exits with 3 when a field is refused."})
    static class PlanCmd extends Base implements ReadsSpec {
        @Parameters(paramLabel = "FILE", description = "the spec (baton/v1, YAML or JSON)")
        Path file;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            JobSpec job = ns.read(file);
            try (Orchestrator o = connect(t, ns)) {
                Plan plan = o.plan(job);
                if (output.text()) {
                    out().print(new PlanText(unicode()).render(plan, job));
                    if (plan.isNoOp() && plan.unsupported().isEmpty()) {
                        out().println("no changes");
                    }
                } else {
                    output.print(plan, out());
                }
                return plan.unsupported().stream().anyMatch(u -> !u.droppable()) ? UNSUPPORTED : OK;
            }
        }
    }

    /** Whether the output's encoding has {@code →}. */
    static boolean unicode() {
        return Charset.defaultCharset().newEncoder().canEncode('→');
    }

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Print the native manifest for a platform, without contacting anything.")
    static class RenderCmd extends Base implements ReadsSpec {
        @Parameters(paramLabel = "FILE", description = "the spec (baton/v1, YAML or JSON)")
        Path file;
        @Option(names = {"-t", "--target"}, required = true, paramLabel = "PLATFORM",
                description = "kubernetes (or k8s), swarm, nomad, marathon, local, or an endpoint")
        String target;
        @CommandLine.Mixin
        NamespaceOption ns;

        @Override
        public Integer call() {
            JobSpec job = ns.read(file);
            Target tg = Target.parse(target.contains("://") ? target : target + "://");
            try (Orchestrator o = Orchestrators.connect(tg, config(env, ns.namespace))) {
                Manifest m = o.render(job);
                out().print(m.content());
                if (!m.content().endsWith("\n")) {
                    out().println();
                }
                return OK;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's state, health and instances.")
    static class StatusCmd extends Base {
        @Parameters(paramLabel = "JOB", description = "the job's name, or NAMESPACE/NAME")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, ns)) {
                JobStatus s = o.status(ns.jobId(job));
                if (!output.text()) {
                    output.print(s, out());
                    return OK;
                }
                out().printf("job %s: %s, %s, version %s%s%n", s.jobId(), s.state(), s.health(), Output.cell(s.version()),
                        s.message() == null ? "" : " (" + s.message() + ")");
                for (GroupStatus g : s.groups()) {
                    out().printf("  group %s: %d/%d healthy%n", g.name(), g.healthy(), g.desired());
                    List<String[]> rows = new ArrayList<>();
                    for (InstanceStatus i : g.instances()) {
                        rows.add(new String[] {"   ", i.id(), i.state().name(), i.health().name(), Output.cell(i.host()),
                                i.address() == null ? "-" : i.address() + (i.ports().isEmpty() ? "" : " " + Output.pairs(i.ports())),
                                i.exitCode() == null ? "" : "exit " + i.exitCode() + (i.reason() == null ? "" : " (" + i.reason() + ")")});
                    }
                    Output.table(rows, out());
                }
                return OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the jobs Baton deployed.")
    static class ListCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a label the jobs must have; repeat for several (default: any labels)")
        Map<String, String> labels = new LinkedHashMap<>();
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, ns)) {
                List<JobSummary> jobs = o.list(new Selector(ns.namespace, labels));
                if (!output.text()) {
                    output.print(jobs, out());
                    return OK;
                }
                if (jobs.isEmpty()) {
                    out().println("no jobs" + (labels.isEmpty() ? "" : " with the labels " + Output.pairs(labels))
                            + (ns.namespace == null ? "" : " in the namespace " + ns.namespace));
                    return OK;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"JOB", "NAMESPACE", "TYPE", "STATE", "LABELS"});
                jobs.forEach(j -> rows.add(new String[] {j.jobId(), Output.cell(j.namespace()), Output.cell(j.type()),
                        Output.cell(j.state()), Output.pairs(j.labels())}));
                Output.table(rows, out());
                return OK;
            }
        }
    }

    @Command(name = "endpoints", mixinStandardHelpOptions = true,
            description = "Print where a service can be reached, one URL per line.")
    static class EndpointsCmd extends Base {
        @Parameters(paramLabel = "SERVICE", description = "a service name of the spec")
        String service;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                List<Endpoint> endpoints = o.endpoints(service);
                if (!output.text()) {
                    output.print(endpoints, out());
                    return OK;
                }
                if (endpoints.isEmpty()) {
                    err().println("no endpoints for the service " + service);
                }
                endpoints.forEach(e -> out().println("http://" + e.hostAndPort() + "/"));
                return OK;
            }
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, description = "Change a group's instance count.")
    static class ScaleCmd extends Base {
        @Parameters(index = "0", paramLabel = "JOB", description = "the job's name, or NAMESPACE/NAME")
        String job;
        @Parameters(index = "1", paramLabel = "GROUP", description = "a group of the job")
        String group;
        @Parameters(index = "2", paramLabel = "COUNT", description = "the number of instances, 0 or more")
        int count;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @Option(names = "--wait", description = "wait until the group has its instances healthy")
        boolean await;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "how long --wait waits (default: ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() {
            if (count < 0) {
                throw badArgument("COUNT must be 0 or more, not " + count);
            }
            Duration wait = duration(timeout, "--timeout", spec.commandLine());
            try (Orchestrator o = connect(t, ns)) {
                Deployment d = o.scale(ns.jobId(job), group, count);
                out().println("scaling " + job + "/" + group + " to " + count);
                return await ? Progress.await(d, wait, new Progress.Context(o, "scale", job, logsCommand(job, t, ns)), out(), err()) : OK;
            }
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Return a job to its previous version.")
    static class RollbackCmd extends Base {
        @Parameters(paramLabel = "JOB", description = "the job's name, or NAMESPACE/NAME")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @Option(names = "--wait", description = "wait until the previous version is healthy")
        boolean await;
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m", description = "how long --wait waits (default: ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() {
            Duration wait = duration(timeout, "--timeout", spec.commandLine());
            try (Orchestrator o = connect(t, ns)) {
                Deployment d = o.rollback(ns.jobId(job));
                out().println("rolling back " + job);
                return await ? Progress.await(d, wait, new Progress.Context(o, "rollback", job, logsCommand(job, t, ns)), out(), err()) : OK;
            }
        }
    }

    @Command(name = "undeploy", mixinStandardHelpOptions = true, description = "Remove a job and everything Baton created for it.")
    static class UndeployCmd extends Base {
        @Parameters(paramLabel = "JOB", description = "the job's name, or NAMESPACE/NAME")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, ns)) {
                o.undeploy(ns.jobId(job));
                out().println("undeployed " + job);
                return OK;
            }
        }
    }

    @Command(name = "hosts", mixinStandardHelpOptions = true, description = "List the cluster's hosts.")
    static class HostsCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                List<Host> hosts = o.hosts();
                if (!output.text()) {
                    output.print(hosts, out());
                    return OK;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "NAME", "ADDRESS", "STATE", "AVAILABILITY", "CPU", "MEMORY", "LABELS"});
                hosts.forEach(h -> rows.add(row(h)));
                Output.table(rows, out());
                return OK;
            }
        }

        /** A host as a table row; CPU and memory as allocated/capacity, {@code -} for what the platform does not tell. */
        static String[] row(Host h) {
            return new String[] {Output.cell(h.id()), Output.cell(h.name()), Output.cell(h.address()), Output.cell(h.state()),
                    Output.cell(h.availability()), ratio(h.cpuAllocated(), h.cpuCapacity()),
                    ratio(h.memoryAllocated(), h.memoryCapacity()), Output.pairs(h.labels())};
        }

        private static String ratio(Object used, Object capacity) {
            return used == null && capacity == null ? "-" : Output.cell(used) + "/" + Output.cell(capacity);
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true, description = "Move work off a host and stop scheduling on it.")
    static class DrainCmd extends Base {
        @Parameters(paramLabel = "HOST", description = "a host id, as hosts lists them")
        String host;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @Option(names = "--deadline", paramLabel = "DURATION",
                description = "how long instances have to move off before they are stopped, e.g. 10m (default: the platform's own)")
        String deadline;

        @Override
        public Integer call() {
            Duration d = deadline == null ? null : duration(deadline, "--deadline", spec.commandLine());
            try (Orchestrator o = connect(t, null)) {
                HostMaintenanceFacet f = facet(o, HostMaintenanceFacet.class, "drain", "feature.DRAIN");
                f.drain(host, d, true);
                out().println("draining " + host);
                return OK;
            }
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Allow scheduling on a drained host again.")
    static class ActivateCmd extends Base {
        @Parameters(paramLabel = "HOST", description = "a host id, as hosts lists them")
        String host;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                HostMaintenanceFacet f = facet(o, HostMaintenanceFacet.class, "activate", "feature.DRAIN");
                f.activate(host);
                out().println("activated " + host);
                return OK;
            }
        }
    }

    @Command(name = "supervisor", mixinStandardHelpOptions = true,
            description = "See, start or stop the local supervisor that keeps local:// jobs running.",
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
                    + (up == null ? "" : ", up " + Durations.format(up.withNanos(0))));
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
        @CommandLine.Mixin
        OutputOption output;

        abstract SupervisorStatus act(LocalOrchestrator local);

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                SupervisorStatus s = act(local(o));
                if (output.text()) {
                    describe(s, out());
                } else {
                    output.print(s, out());
                }
                return OK;
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Whether the local supervisor runs, its pid, uptime, jobs and instances (starts nothing).")
    static class SupervisorStatusCmd extends SupervisorShowCmd {
        @Override
        SupervisorStatus act(LocalOrchestrator local) {
            return local.supervisor();
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the local supervisor; it takes back the jobs recorded in its state directory.")
    static class SupervisorStartCmd extends SupervisorShowCmd {
        @Override
        SupervisorStatus act(LocalOrchestrator local) {
            return local.startSupervisor();
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop every local job's processes, forget the jobs, and stop the supervisor.")
    static class SupervisorStopCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                LocalOrchestrator local = local(o);
                SupervisorStatus before = local.supervisor();
                local.stopSupervisor();
                out().println("stopped " + before.jobs() + " job(s) and the supervisor of " + before.stateDirectory());
                return OK;
            }
        }
    }

    @Command(name = "secret", mixinStandardHelpOptions = true, description = "Store, list and delete secrets.",
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

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Create or replace a secret: KEY=value or KEY=@file.")
    static class SecretPutCmd extends Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "the secret's name, as specs name it")
        String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "KEY=VALUE|KEY=@FILE", description = "a key and its value, or the file to read it from")
        List<String> entries;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() throws IOException {
            Map<String, byte[]> values = new LinkedHashMap<>();
            for (String e : entries) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw badArgument("\"" + e.replaceAll("=.*", "=…") + "\" is not KEY=value or KEY=@file");
                }
                String v = e.substring(eq + 1);
                values.put(e.substring(0, eq), v.startsWith("@") ? Files.readAllBytes(Path.of(v.substring(1)))
                        : v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            try (Orchestrator o = connect(t, null)) {
                secrets(o).put(name, SecretData.ofBytes(values));
                out().println("stored secret " + name + " with keys " + values.keySet());
                return OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List secrets with their keys, never their values.")
    static class SecretListCmd extends Base {
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                List<SecretInfo> secrets = secrets(o).list();
                if (!output.text()) {
                    output.print(secrets, out());
                    return OK;
                }
                if (secrets.isEmpty()) {
                    out().println("no secrets");
                    return OK;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"NAME", "KEYS", "VERSION"});
                secrets.forEach(s -> rows.add(new String[] {s.name(), String.join(",", s.keys().stream().sorted().toList()),
                        Output.cell(s.version())}));
                Output.table(rows, out());
                return OK;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a secret.")
    static class SecretDeleteCmd extends Base {
        @Parameters(paramLabel = "NAME", description = "the secret's name")
        String name;
        @CommandLine.Mixin
        TargetOptionMixin t;

        @Override
        public Integer call() {
            try (Orchestrator o = connect(t, null)) {
                secrets(o).delete(name);
                out().println("deleted secret " + name);
                return OK;
            }
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print the last lines of every instance's output.")
    static class LogsCmd extends Base {
        @Parameters(paramLabel = "JOB", description = "the job's name, or NAMESPACE/NAME")
        String job;
        @CommandLine.Mixin
        TargetOptionMixin t;
        @CommandLine.Mixin
        NamespaceOption ns;
        @Option(names = "--tail", paramLabel = "LINES", defaultValue = "100", description = "how many of each instance's last lines (default: ${DEFAULT-VALUE})")
        int tail;
        @Option(names = {"-f", "--follow"}, description = "then print each line as it is written, until the job is undeployed or Ctrl-C (local:// only)")
        boolean follow;

        @Override
        public Integer call() {
            if (tail < 0) {
                throw badArgument("--tail must be 0 or more, not " + tail);
            }
            try (Orchestrator o = connect(t, ns)) {
                String id = ns.jobId(job);
                if (follow) {
                    LocalOrchestrator local = o.facet(LocalOrchestrator.class).orElseThrow(() -> UnsupportedCapabilityException.operation(
                            o.capabilities().platform(), "logs --follow", "baton follows logs on local:// only; without -f it prints the last lines"));
                    PrintWriter out = out();
                    local.followLogs(id, tail, l -> {
                        out.println(l);
                        out.flush();
                    });
                    return OK;
                }
                LogsFacet f = facet(o, LogsFacet.class, "logs", "feature.LOGS");
                f.logs(id, tail).forEach(l -> out().println(l));
                return OK;
            }
        }
    }

    @Command(name = "capabilities", mixinStandardHelpOptions = true, description = "The matrix of what each adapter on the class path honours.")
    static class CapabilitiesCmd extends Base {
        @Option(names = "--markdown", description = "print a Markdown table (the README's copy is generated with this)")
        boolean markdown;
        @CommandLine.Mixin
        OutputOption output;

        @Override
        public Integer call() {
            List<OrchestratorProvider> providers = CapabilityMatrix.sorted(Orchestrators.providers());
            if (!output.text()) {
                output.print(providers.stream().map(OrchestratorProvider::capabilities).toList(), out());
                return OK;
            }
            out().print(CapabilityMatrix.render(providers, markdown));
            return OK;
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = {"Print a script that completes baton's commands and options in bash or zsh.",
                    "bash: source <(baton completion bash)   (or save it in /etc/bash_completion.d/baton)",
                    "zsh:  source <(baton completion zsh)    (in ~/.zshrc)"})
    static class CompletionCmd extends Base {
        /** The shells the script is for. */
        enum Shell {
            bash, zsh
        }

        @Parameters(paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
        Shell shell;

        @Override
        public Integer call() {
            // the whole command tree, whatever this run built
            String script = AutoComplete.bash("baton", new CommandLine(new BatonCli()));
            if (shell == Shell.zsh) {
                // zsh runs bash completion scripts through bashcompinit, which needs compinit's compdef
                script = "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }\n"
                        + "autoload -U +X bashcompinit && bashcompinit\n" + script;
            }
            out().print(script);
            out().flush();
            return OK;
        }
    }

    /** The capability matrix, from the providers' own {@link Capabilities}. */
    static final class CapabilityMatrix {
        private static final List<String> ORDER = List.of("kubernetes", "swarm", "nomad", "marathon", "local");

        private CapabilityMatrix() {
        }

        /** Baton's adapters in the README's order, then any other by id. */
        static List<OrchestratorProvider> sorted(List<OrchestratorProvider> providers) {
            List<OrchestratorProvider> sorted = new ArrayList<>(providers);
            sorted.sort(Comparator.comparingInt((OrchestratorProvider p) -> ORDER.indexOf(p.id()) < 0 ? 99 : ORDER.indexOf(p.id()))
                    .thenComparing(OrchestratorProvider::id));
            return sorted;
        }

        static String render(List<OrchestratorProvider> providers, boolean markdown) {
            List<OrchestratorProvider> sorted = sorted(providers);
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
