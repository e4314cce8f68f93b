package dev.baton.nomad.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.Constraint;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskKind;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeMount;
import dev.baton.spi.JsonMergePatch;
import dev.baton.spi.SpecVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a portable job into Nomad's JSON job (the API's {@code api.Job}, PascalCase keys, durations in
 * nanoseconds). CPU: one core is {@value #MHZ_PER_CORE} MHz, Nomad's unit; memory in MiB, rounded up.
 */
public final class JobTranslator {
    public static final String PLATFORM = "nomad";
    public static final int MHZ_PER_CORE = 1000;
    public static final String SPEC_META = "baton.dev/spec";
    /** Extension key choosing the driver of process tasks: {@code extensions.nomad.Meta["baton.dev/process-driver"]}. */
    public static final String DRIVER_META = "baton.dev/process-driver";
    /** Extension key choosing the service provider: {@code extensions.nomad.Meta["baton.dev/service-provider"]: consul}. */
    public static final String PROVIDER_META = "baton.dev/service-provider";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Nomad's smallest memory reservation: {@code MinResources().MemoryMB} in nomad/structs/structs.go (v1.6.5, v1.9.7). */
    public static final long MIN_MEMORY_MB = 10;
    /** {@code minCheckInterval} and {@code minCheckTimeout} in nomad/structs/services.go (v1.6.5, v1.9.7). */
    static final Duration MIN_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** {@code Service.ValidateName} in nomad/structs/services.go (v1.6.5, v1.9.7): an RFC 1123 label, at most 63 characters. */
    static final int MAX_SERVICE_NAME = 63;
    /** api/jobs.go {@code DefaultUpdateStrategy} (v1.6.5, v1.9.7): what Nomad fills in for an update knob left out. */
    static final Duration DEFAULT_MIN_HEALTHY_TIME = Duration.ofSeconds(10);
    static final Duration DEFAULT_HEALTHY_DEADLINE = Duration.ofMinutes(5);

    /**
     * Why an exec check needs the consul provider: Nomad's own provider runs tcp and http checks only
     * ({@code ServiceCheck.validateNomad} in nomad/structs/services.go, v1.6.5 and v1.9.7; check block docs: script
     * checks are "Only supported in the Consul service provider").
     */
    public static final String EXEC_CHECK_REASON = "Nomad's built-in service provider runs only http and tcp checks; an exec check is a Consul"
            + " script check: choose the consul provider with extensions.nomad.Meta[\"" + PROVIDER_META + "\"]: consul"
            + " (on a Nomad cluster with Consul)";
    /**
     * Why {@code update.delay} is refused on service jobs: the update block docs (v1.6.5, v1.9.7) say {@code stagger} is
     * "the delay between each set of max_parallel updates when updating system jobs. This setting doesn't apply to
     * service jobs which use deployments instead, with the equivalent parameter being min_healthy_time".
     */
    public static final String UPDATE_DELAY_REASON = "Nomad's stagger paces only system jobs; a service job's deployment starts the next"
            + " batch once the previous one has been healthy for min_healthy_time: use update.minHealthyTime";
    /**
     * Why deployment knobs are refused on system jobs: "For system jobs, only max_parallel and stagger are enforced"
     * (update block docs, v1.6.5 and v1.9.7); the system scheduler (scheduler/scheduler_system.go) makes no deployment.
     */
    public static final String SYSTEM_UPDATE_REASON = "for a system job Nomad enforces only max_parallel and stagger of the update block"
            + " and runs no deployment, so there are no canaries, no health gate and no automatic revert";

    private JobTranslator() {
    }

    static long nanos(Duration d) {
        return d.toNanos();
    }

    /** Nomad port labels allow letters, digits and {@code _}; Baton's {@code -} becomes {@code _}. */
    public static String label(String portName) {
        return portName.replace('-', '_');
    }

    /**
     * The job as Nomad's API takes it (without the {@code {"Job": …}} wrapper), in the spec's namespace, else in
     * {@code namespace} (the connection's, null for the server's default). Refuses nothing the core has not already
     * been told: {@link #refusals} is the same set of rules, which the orchestrator states through {@code SpecRefusals},
     * so plan, render and deploy list every refusal before this runs. The throw stays as the last guard for a caller that
     * skipped the check.
     */
    public static ObjectNode job(JobSpec spec, String namespace) {
        List<Unsupported> refused = refusals(spec);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        ObjectNode j = JSON.createObjectNode();
        j.put("ID", spec.name());
        j.put("Name", spec.name());
        // the spec's namespace, else the connection's (NOMAD_NAMESPACE): Nomad takes the namespace per request
        String ns = spec.namespace() != null ? spec.namespace() : namespace;
        if (ns != null) {
            j.put("Namespace", ns);
        }
        j.put("Type", spec.type() == JobType.CRON ? "batch" : spec.type().id());
        ObjectNode meta = j.putObject("Meta");
        spec.labels().forEach(meta::put);
        meta.put(SpecVersion.JOB_LABEL, spec.name());
        meta.put(SpecVersion.LABEL, SpecVersion.of(spec));
        meta.put(SPEC_META, JSON.valueToTree(readTree(Specs.toJson(spec))).toString());
        if (spec.type() == JobType.CRON) {
            ObjectNode p = j.putObject("Periodic");
            p.put("Enabled", true);
            p.put("SpecType", "cron");
            p.put("Spec", spec.schedule());
            p.put("ProhibitOverlap", true);
            if (spec.timeZone() != null) {
                p.put("TimeZone", spec.timeZone());
            }
        }
        if (spec.placement() != null) {
            ArrayNode cs = JSON.createArrayNode();
            for (Constraint c : spec.placement().constraints()) {
                constraints(c, cs);
            }
            if (!cs.isEmpty()) {
                j.set("Constraints", cs);
            }
            if (spec.placement().spread() != null) {
                j.putArray("Spreads").addObject().put("Attribute", attribute(spec.placement().spread())).put("Weight", 100);
            }
        }
        if (spec.update() != null && spec.type() != JobType.BATCH && spec.type() != JobType.CRON) {
            j.set("Update", update(spec, spec.groups().stream().anyMatch(g -> g.tasks().stream().anyMatch(t -> !t.health().isEmpty()))));
        }
        ArrayNode groups = j.putArray("TaskGroups");
        for (GroupSpec g : spec.groups()) {
            groups.add(group(spec, g));
        }
        ObjectNode patched = spec.extensions().forPlatform(PLATFORM).map(p -> (ObjectNode) JsonMergePatch.apply(j, p)).orElse(j);
        patched.with("Meta").remove(DRIVER_META);
        patched.with("Meta").remove(PROVIDER_META);
        return patched;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What Nomad cannot do, or would refuse or ignore, that capabilities do not express (it depends on the job type, the
     * service provider or a value): every such field of {@code spec} with its path and reason, in one pass, without
     * throwing; empty when Nomad can run it as translated.
     */
    public static List<Unsupported> refusals(JobSpec spec) {
        List<Unsupported> out = new ArrayList<>();
        String provider = provider(spec);
        if (!provider.equals("nomad") && !provider.equals("consul")) {
            // Service.Validate in nomad/structs/services.go (v1.6.5, v1.9.7): "Service provider must be "consul", or "nomad""
            out.add(new Unsupported("extensions.nomad.Meta." + PROVIDER_META, "service provider " + provider, PLATFORM,
                    "Nomad's service providers are nomad and consul", false));
        }
        boolean system = spec.type() == JobType.SYSTEM;
        if (system && spec.placement() != null && spec.placement().spread() != null) {
            // Job.Validate in nomad/structs/structs.go (v1.6.5, v1.9.7): "System jobs may not have a spread block"
            out.add(new Unsupported("placement.spread", "spread on system jobs", PLATFORM,
                    "Nomad refuses a spread block on a system job, which runs on every eligible node", false));
        }
        if (spec.update() != null) {
            refuseUpdate(spec, out);
        }
        for (int gi = 0; gi < spec.groups().size(); gi++) {
            GroupSpec g = spec.groups().get(gi);
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                TaskSpec t = g.tasks().get(ti);
                String tp = "groups[" + gi + "].tasks[" + ti + "]";
                if (t.resources() != null && t.resources().memory() != null && t.resources().memory().mebibytesCeil() < MIN_MEMORY_MB) {
                    // Resources.MeetsMinResources in nomad/structs/structs.go (v1.6.5, v1.9.7): "minimum MemoryMB value is 10"
                    out.add(new Unsupported(tp + ".resources.memory", "memory below " + MIN_MEMORY_MB + " MiB", PLATFORM,
                            "Nomad's smallest memory reservation is " + MIN_MEMORY_MB + " MB (MiB); ask for at least " + MIN_MEMORY_MB + "Mi", false));
                }
                for (int hi = 0; hi < t.health().size(); hi++) {
                    HealthCheck h = t.health().get(hi);
                    String hp = tp + ".health[" + hi + "]";
                    if (h instanceof HealthCheck.Exec && provider.equals("nomad")) {
                        out.add(new Unsupported(hp, "exec health checks with the nomad service provider", PLATFORM, EXEC_CHECK_REASON, false));
                    }
                    // ServiceCheck.validateCommon in nomad/structs/services.go (v1.6.5, v1.9.7): interval and timeout of at least 1s
                    if (h.timing().interval().compareTo(MIN_CHECK_INTERVAL) < 0) {
                        out.add(new Unsupported(hp + ".interval", "health check intervals below 1s", PLATFORM,
                                "Nomad's shortest check interval is 1s", false));
                    }
                    if (h.timing().timeout().compareTo(MIN_CHECK_INTERVAL) < 0) {
                        out.add(new Unsupported(hp + ".timeout", "health check timeouts below 1s", PLATFORM,
                                "Nomad's shortest check timeout is 1s", false));
                    }
                }
            }
            for (int si = 0; si < g.services().size(); si++) {
                ServiceSpec s = g.services().get(si);
                var port = g.port(s.port()).orElse(null);
                if (s.publishedPort() != null && port != null && !s.publishedPort().equals(port.port())) {
                    out.add(new Unsupported("groups[" + gi + "].services[" + si + "].publishedPort", "a published port different from the task port",
                            PLATFORM, "Nomad publishes a task's port on the host as is; give the task port " + s.publishedPort(), false));
                }
            }
        }
        return out;
    }

    /** The update knobs Nomad would ignore (or refuse) for this job type; sources at each rule. */
    private static void refuseUpdate(JobSpec spec, List<Unsupported> out) {
        UpdatePolicy u = spec.update();
        if (spec.type() == JobType.SYSTEM) {
            if (u.canaryOrDefault() > 0) {
                out.add(new Unsupported("update.canary", "canary updates on system jobs", PLATFORM, SYSTEM_UPDATE_REASON, false));
            }
            if (u.onFailure() != null) {
                out.add(new Unsupported("update.onFailure", "onFailure " + u.onFailure().id() + " on system jobs", PLATFORM,
                        SYSTEM_UPDATE_REASON + "; a failed instance does not stop the update", false));
            }
            // minHealthyTime and healthyDeadline: Nomad stores them and does not act on them for a system job, and Baton's
            // await does (NomadOrchestrator judges each allocation of a system job by its tasks and checks)
        } else if (u.delay() != null) {
            out.add(new Unsupported("update.delay", "update delay on service jobs", PLATFORM, UPDATE_DELAY_REASON, false));
        }
        // UpdateStrategy.Validate in nomad/structs/structs.go (v1.6.5, v1.9.7): "Minimum healthy time must be less than
        // healthy deadline", with api/jobs.go DefaultUpdateStrategy filling in the knob the spec leaves to Nomad
        if (u.minHealthyTime() == null && u.healthyDeadline() != null && u.healthyDeadline().compareTo(DEFAULT_MIN_HEALTHY_TIME) <= 0) {
            out.add(new Unsupported("update.healthyDeadline", "a healthy deadline of at most Nomad's default min_healthy_time (10s)", PLATFORM,
                    "Nomad needs min_healthy_time below healthy_deadline; set update.minHealthyTime", false));
        }
        if (u.healthyDeadline() == null && u.minHealthyTime() != null && u.minHealthyTime().compareTo(DEFAULT_HEALTHY_DEADLINE) >= 0) {
            out.add(new Unsupported("update.minHealthyTime", "a min healthy time of at least Nomad's default healthy_deadline (5m)", PLATFORM,
                    "Nomad needs min_healthy_time below healthy_deadline; set update.healthyDeadline", false));
        }
    }

    static String attribute(String portable) {
        return switch (portable) {
            case Constraint.HOSTNAME -> "${node.unique.name}";
            case Constraint.OS -> "${attr.kernel.name}";
            case Constraint.ARCH -> "${attr.cpu.arch}";
            default -> "${meta." + portable.substring(Constraint.LABEL_PREFIX.length()) + "}";
        };
    }

    private static void constraints(Constraint c, ArrayNode out) {
        String l = attribute(c.attribute());
        switch (c.operator()) {
            case EQUAL -> out.addObject().put("LTarget", l).put("RTarget", c.value()).put("Operand", "=");
            case NOT_EQUAL -> out.addObject().put("LTarget", l).put("RTarget", c.value()).put("Operand", "!=");
            case IN -> out.addObject().put("LTarget", l).put("Operand", "regexp")
                    .put("RTarget", "^(" + String.join("|", c.values().stream().map(JobTranslator::quoteRegex).toList()) + ")$");
            case NOT_IN -> c.values().forEach(v -> out.addObject().put("LTarget", l).put("RTarget", v).put("Operand", "!="));
            case EXISTS -> out.addObject().put("LTarget", l).put("Operand", "is_set");
            case NOT_EXISTS -> out.addObject().put("LTarget", l).put("Operand", "is_not_set");
            default -> throw new IllegalStateException();
        }
    }

    private static String quoteRegex(String s) {
        return s.replaceAll("([\\\\.\\[\\]{}()*+?^$|])", "\\\\$1");
    }

    /**
     * The job's update block. System jobs: only {@code MaxParallel} and {@code Stagger}, the two knobs Nomad enforces for
     * them (update block docs, v1.6.5 and v1.9.7); everything else is refused in {@link #refusals}. Service jobs: a
     * deployment's knobs, never {@code Stagger} (it "doesn't apply to service jobs", same docs) and never
     * {@code MaxParallel} 0, which turns deployments off (structs.go {@code UpdateStrategy.IsEmpty};
     * scheduler/reconcile.go {@code createDeployment}), and with them health gating and auto-revert.
     */
    private static ObjectNode update(JobSpec spec, boolean checks) {
        UpdatePolicy u = spec.update();
        boolean recreate = u.strategy() == dev.baton.model.UpdateStrategy.RECREATE;
        ObjectNode o = JSON.createObjectNode();
        if (spec.type() == JobType.SYSTEM) {
            // recreate: max_parallel 0 is not Rolling(), so the system scheduler updates every node in one pass
            // (scheduler/scheduler_system.go computeJobAllocs: limit = len(diff.update) unless job.Update.Rolling())
            o.put("MaxParallel", recreate ? 0 : u.parallelismOrDefault());
            if (u.delay() != null) {
                o.put("Stagger", nanos(u.delay()));
            }
            // kept with the job for Baton's await, which judges a system job's allocations itself
            if (u.minHealthyTime() != null) {
                o.put("MinHealthyTime", nanos(u.minHealthyTime()));
            }
            if (u.healthyDeadline() != null) {
                o.put("HealthyDeadline", nanos(u.healthyDeadline()));
            }
            return o;
        }
        // recreate: max_parallel at the group's count replaces every allocation in one destructive pass, each old one
        // stopped as its replacement is placed (scheduler/reconcile.go computeDestructiveUpdates; structs.go
        // TaskGroup.Warnings: "A destructive change would result in the simultaneous replacement of all allocations"),
        // with the deployment still watching health. Each group gets its own count in group(); this is the largest.
        o.put("MaxParallel", recreate ? spec.groups().stream().mapToInt(g -> Math.max(1, g.countOrDefault())).max().orElse(1)
                : u.parallelismOrDefault());
        o.put("HealthCheck", checks ? "checks" : "task_states");
        if (u.minHealthyTime() != null) {
            o.put("MinHealthyTime", nanos(u.minHealthyTime()));
        }
        if (u.healthyDeadline() != null) {
            o.put("HealthyDeadline", nanos(u.healthyDeadline()));
            // the healthy deadline gives up on the batch: with progress_deadline 0, the first allocation Nomad marks
            // unhealthy (a failed task, or not healthy by the deadline) fails the deployment (update block docs;
            // deploymentwatcher shouldFailEarly). A progress deadline would instead have Nomad replace the allocation
            // (service jobs reschedule without limit) until that deadline passed.
            o.put("ProgressDeadline", 0L);
        }
        o.put("AutoRevert", u.onFailure() == OnFailure.ROLLBACK);
        if (u.canaryOrDefault() > 0) {
            o.put("Canary", u.canaryOrDefault());
            o.put("AutoPromote", true);
        }
        return o;
    }

    /** The provider of the services Baton writes: {@code nomad}, or what {@code extensions.nomad.Meta[PROVIDER_META]} says. */
    static String provider(JobSpec spec) {
        return extensionMeta(spec, PROVIDER_META, "nomad");
    }

    /**
     * The name of the service that carries the checks of a task fronting no service: {@code <job>-<group>-<task>}, or,
     * when that is longer than Nomad's limit of 63 characters ({@code Service.ValidateName} in nomad/structs/services.go,
     * v1.6.5 and v1.9.7), its first characters, a dash and 8 hex digits of its SHA-256, so it stays unique and stable.
     */
    static String checkServiceName(String job, String group, String task) {
        String base = job + "-" + group + "-" + task;
        if (base.length() <= MAX_SERVICE_NAME) {
            return base;
        }
        String hash;
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(base.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            hash = java.util.HexFormat.of().formatHex(digest).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String head = base.substring(0, MAX_SERVICE_NAME - hash.length() - 1).replaceAll("-+$", "");
        return head + "-" + hash;
    }

    private static ObjectNode group(JobSpec spec, GroupSpec g) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Name", g.name());
        if (spec.type() != JobType.SYSTEM) {
            o.put("Count", g.countOrDefault());
        }
        ObjectNode meta = o.putObject("Meta");
        meta.put(SpecVersion.GROUP_LABEL, g.name());
        if (spec.placement() != null && spec.placement().distinctHosts()) {
            // per group, as the spec means it: a job-level distinct_hosts keeps any two allocations of the job apart,
            // a group-level one only those of the group (constraint block docs; scheduler/feasible.go
            // DistinctHostsIterator.satisfiesDistinctHosts, v1.6.5 and v1.9.7)
            o.putArray("Constraints").addObject().put("Operand", "distinct_hosts").put("RTarget", "true");
        }
        if (spec.update() != null && spec.type() == JobType.SERVICE && spec.update().strategy() == dev.baton.model.UpdateStrategy.RECREATE) {
            // recreate: this group's count as max_parallel, merged over the job's update (api/tasks.go TaskGroup.Canonicalize)
            o.putObject("Update").put("MaxParallel", Math.max(1, g.countOrDefault()));
        }
        List<PortSpec> ports = g.tasks().stream().flatMap(t -> t.ports().stream()).toList();
        if (!ports.isEmpty()) {
            ObjectNode net = o.putArray("Networks").addObject();
            ArrayNode reserved = JSON.createArrayNode();
            ArrayNode dynamic = JSON.createArrayNode();
            for (PortSpec p : ports) {
                if (p.isDynamic()) {
                    dynamic.addObject().put("Label", label(p.name()));
                } else {
                    reserved.addObject().put("Label", label(p.name())).put("Value", p.port());
                }
            }
            if (!reserved.isEmpty()) {
                net.set("ReservedPorts", reserved);
            }
            if (!dynamic.isEmpty()) {
                net.set("DynamicPorts", dynamic);
            }
        }
        ArrayNode services = JSON.createArrayNode();
        for (ServiceSpec s : g.services()) {
            ObjectNode so = services.addObject();
            so.put("Name", s.name());
            so.put("PortLabel", label(s.port()));
            so.put("Provider", provider(spec));
            TaskSpec owner = g.taskWithPort(s.port()).orElseThrow();
            ArrayNode checks = JSON.createArrayNode();
            for (HealthCheck h : owner.health()) {
                checks.add(check(h, owner));
            }
            if (!checks.isEmpty()) {
                so.set("Checks", checks);
            }
        }
        // checks of tasks that front no service get a service of their own, named after the group and task
        for (TaskSpec t : g.tasks()) {
            boolean covered = g.services().stream().anyMatch(s -> g.taskWithPort(s.port()).map(x -> x.name().equals(t.name())).orElse(false));
            if (!covered && !t.health().isEmpty()) {
                ObjectNode so = services.addObject();
                so.put("Name", checkServiceName(spec.name(), g.name(), t.name()));
                so.put("Provider", provider(spec));
                if (!t.ports().isEmpty()) {
                    so.put("PortLabel", label(t.ports().get(0).name()));
                }
                ArrayNode checks = so.putArray("Checks");
                t.health().forEach(h -> checks.add(check(h, t)));
            }
        }
        if (!services.isEmpty()) {
            o.set("Services", services);
        }
        if (g.restart() != null || spec.type() == JobType.BATCH || spec.type() == JobType.CRON) {
            o.set("RestartPolicy", restart(g.restart(), spec.type()));
        }
        List<VolumeMount> mounts = g.tasks().stream().flatMap(t -> t.volumes().stream()).toList();
        if (!mounts.isEmpty()) {
            ObjectNode vols = o.putObject("Volumes");
            mounts.stream().map(VolumeMount::volume).distinct().forEach(v -> vols.putObject(v).put("Name", v).put("Type", "host").put("Source", v));
        }
        ArrayNode tasks = o.putArray("Tasks");
        for (TaskSpec t : g.tasks()) {
            tasks.add(task(spec, g, t));
        }
        return o;
    }

    /**
     * The group's restart policy. {@code always} without attempts: {@code Mode: delay} (keeps restarting after the
     * attempts, waiting out the interval); otherwise {@code Mode: fail} (the allocation fails after the attempts);
     * {@code never}: {@code Attempts: 0}. Attempts default to 3 and the delay to 15s. {@code Interval}: Nomad's default for
     * the job type (30m for service and system jobs, 24h for batch jobs: api/tasks.go defaultServiceJobRestartPolicy and
     * defaultBatchJobRestartPolicy, v1.6.5 and v1.9.7), raised to attempts × delay when that is longer, because
     * RestartPolicy.Validate (nomad/structs/structs.go) refuses a policy whose attempts cannot fit in its interval.
     */
    static ObjectNode restart(RestartPolicy r, JobType type) {
        ObjectNode o = JSON.createObjectNode();
        boolean batch = type == JobType.BATCH || type == JobType.CRON;
        RestartMode mode = r == null ? (batch ? RestartMode.ON_FAILURE : RestartMode.ALWAYS) : r.policy();
        int attempts = mode == RestartMode.NEVER ? 0 : r != null && r.attempts() != null ? r.attempts() : 3;
        Duration delay = r != null && r.delay() != null ? r.delay() : Duration.ofSeconds(15);
        Duration interval = batch ? Duration.ofHours(24) : Duration.ofMinutes(30);
        Duration needed = delay.multipliedBy(attempts);
        o.put("Attempts", attempts);
        o.put("Delay", nanos(delay));
        o.put("Interval", nanos(needed.compareTo(interval) > 0 ? needed : interval));
        o.put("Mode", mode == RestartMode.ALWAYS && (r == null || r.attempts() == null) ? "delay" : "fail");
        return o;
    }

    private static ObjectNode check(HealthCheck h, TaskSpec task) {
        ObjectNode c = JSON.createObjectNode();
        if (h instanceof HealthCheck.Http http) {
            c.put("Type", "http").put("Path", http.path()).put("PortLabel", label(http.port()));
        } else if (h instanceof HealthCheck.Tcp tcp) {
            c.put("Type", "tcp").put("PortLabel", label(tcp.port()));
        } else if (h instanceof HealthCheck.Exec exec) {
            c.put("Type", "script").put("Command", exec.command().get(0)).put("TaskName", task.name());
            ArrayNode args = c.putArray("Args");
            exec.command().stream().skip(1).forEach(args::add);
        }
        c.put("Interval", nanos(h.timing().interval()));
        c.put("Timeout", nanos(h.timing().timeout()));
        ObjectNode cr = c.putObject("CheckRestart");
        cr.put("Limit", h.timing().retries());
        cr.put("Grace", nanos(h.timing().gracePeriod()));
        return c;
    }

    private static String processDriver(JobSpec spec) {
        return extensionMeta(spec, DRIVER_META, "exec");
    }

    private static String extensionMeta(JobSpec spec, String key, String otherwise) {
        return spec.extensions().forPlatform(PLATFORM).map(p -> p.get("Meta"))
                .filter(m -> m instanceof java.util.Map<?, ?>).map(m -> ((java.util.Map<?, ?>) m).get(key))
                .map(Object::toString).orElse(otherwise);
    }

    private static ObjectNode task(JobSpec spec, GroupSpec g, TaskSpec t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Name", t.name());
        boolean container = t.kind() == TaskKind.CONTAINER;
        o.put("Driver", container ? "docker" : processDriver(spec));
        ObjectNode config = o.putObject("Config");
        if (container) {
            config.put("image", t.image());
            if (!t.command().isEmpty()) {
                ArrayNode ep = config.putArray("entrypoint");
                t.command().forEach(ep::add);
            }
            if (!t.ports().isEmpty()) {
                ArrayNode ps = config.putArray("ports");
                t.ports().forEach(p -> ps.add(label(p.name())));
            }
            if (t.workingDir() != null) {
                config.put("work_dir", t.workingDir());
            }
        } else {
            config.put("command", t.command().get(0));
            if (t.workingDir() != null) {
                // exec and raw_exec take work_dir since Nomad 1.9.2 (drivers/exec/driver.go, drivers/rawexec/driver.go;
                // CHANGELOG 1.9.2, GH-24249); an older client fails the task on the unknown driver option
                config.put("work_dir", t.workingDir());
            }
        }
        List<String> args = new ArrayList<>(container ? List.of() : t.command().subList(1, t.command().size()));
        args.addAll(t.args());
        if (!args.isEmpty()) {
            ArrayNode a = config.putArray("args");
            args.forEach(a::add);
        }
        ObjectNode env = o.putObject("Env");
        t.env().forEach(env::put);
        g.tasks().stream().flatMap(x -> x.ports().stream())
                .forEach(p -> env.put(PortSpec.envName(p.name()), "${NOMAD_PORT_" + label(p.name()) + "}"));
        if (t.resources() != null) {
            ObjectNode r = o.putObject("Resources");
            if (t.resources().cpu() != null) {
                r.put("CPU", (int) Math.max(1, Math.round(t.resources().cpu().cores() * MHZ_PER_CORE)));
            }
            if (t.resources().memory() != null) {
                r.put("MemoryMB", t.resources().memory().mebibytesCeil());
            }
        }
        if (!t.secrets().isEmpty()) {
            ArrayNode templates = o.putArray("Templates");
            for (SecretMount m : t.secrets()) {
                String path = NomadSecrets.PREFIX + m.secret();
                ObjectNode tp = templates.addObject();
                if (m.isEnv()) {
                    // Nomad reads an env template with go-envparse, where an unquoted value ends at '#', '"', '\'' or a
                    // newline and is trimmed; a double-quoted one takes JSON's escapes (u and four hex digits, r, n, t,
                    // backslash, quote). consul-template's toJSON is Go's json.Marshal, whose escapes of a string are
                    // those (of the item's Value: an item marshals with Go's %q, whose a and x escapes envparse lacks)
                    tp.put("DestPath", "secrets/" + m.secret() + "-" + m.key() + ".env");
                    tp.put("EmbeddedTmpl", "{{ with nomadVar \"" + path + "\" }}" + m.env() + "={{ (index . \"" + m.key() + "\").Value | toJSON }}{{ end }}\n");
                    tp.put("Envvars", true);
                } else {
                    tp.put("DestPath", "secrets/" + m.secret() + "-" + m.key());
                    tp.put("EmbeddedTmpl", "{{ with nomadVar \"" + path + "\" }}{{ index . \"" + m.key() + "\" }}{{ end }}");
                    tp.put("Perms", "0600");
                    if (container) {
                        config.withArray("mount").addObject().put("type", "bind").put("source", "secrets/" + m.secret() + "-" + m.key())
                                .put("target", m.file()).put("readonly", true);
                    } else {
                        env.put("SECRET_FILE_" + m.file().replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT), "${NOMAD_SECRETS_DIR}/" + m.secret() + "-" + m.key());
                    }
                }
                tp.put("ChangeMode", "restart");
            }
        }
        if (!t.volumes().isEmpty()) {
            ArrayNode vm = o.putArray("VolumeMounts");
            t.volumes().forEach(v -> vm.addObject().put("Volume", v.volume()).put("Destination", v.mountPath()).put("ReadOnly", v.readOnly()));
        }
        if (env.isEmpty()) {
            o.remove("Env");
        }
        return o;
    }
}
