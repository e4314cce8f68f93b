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

    private JobTranslator() {
    }

    static long nanos(Duration d) {
        return d.toNanos();
    }

    /** Nomad port labels allow letters, digits and {@code _}; Baton's {@code -} becomes {@code _}. */
    public static String label(String portName) {
        return portName.replace('-', '_');
    }

    /** The job as Nomad's API takes it (without the {@code {"Job": …}} wrapper). */
    public static ObjectNode job(JobSpec spec, String namespace) {
        refuse(spec, namespace);
        ObjectNode j = JSON.createObjectNode();
        j.put("ID", spec.name());
        j.put("Name", spec.name());
        if (namespace != null) {
            j.put("Namespace", namespace);
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
            if (spec.placement().distinctHosts()) {
                cs.addObject().put("Operand", "distinct_hosts").put("RTarget", "true");
            }
            if (!cs.isEmpty()) {
                j.set("Constraints", cs);
            }
            if (spec.placement().spread() != null) {
                j.putArray("Spreads").addObject().put("Attribute", attribute(spec.placement().spread())).put("Weight", 100);
            }
        }
        if (spec.update() != null && spec.type() != JobType.BATCH && spec.type() != JobType.CRON) {
            j.set("Update", update(spec.update(), spec.groups().stream().anyMatch(g -> g.tasks().stream().anyMatch(t -> !t.health().isEmpty()))));
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

    /** What Nomad cannot do that capabilities do not express; refused before anything is sent. */
    static void refuse(JobSpec spec, String namespace) {
        List<Unsupported> out = new ArrayList<>();
        String connected = namespace == null ? "default" : namespace;
        if (spec.namespace() != null && !spec.namespace().equals(connected)) {
            out.add(new Unsupported("namespace", "namespace " + spec.namespace() + " on a connection to namespace " + connected, PLATFORM,
                    "a Nomad connection works in one namespace; connect with NOMAD_NAMESPACE=" + spec.namespace(), false));
        }
        for (int gi = 0; gi < spec.groups().size(); gi++) {
            GroupSpec g = spec.groups().get(gi);
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                TaskSpec t = g.tasks().get(ti);
                if (t.kind() == TaskKind.PROCESS && t.workingDir() != null) {
                    out.add(new Unsupported("groups[" + gi + "].tasks[" + ti + "].workingDir", "a working directory for exec and raw_exec tasks",
                            PLATFORM, "the exec and raw_exec drivers start the command in the task directory and take no work_dir", false));
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
        if (!out.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, out);
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

    private static ObjectNode update(UpdatePolicy u, boolean checks) {
        ObjectNode o = JSON.createObjectNode();
        o.put("MaxParallel", u.strategy() == dev.baton.model.UpdateStrategy.RECREATE ? 0 : u.parallelismOrDefault());
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
        if (u.delay() != null) {
            o.put("Stagger", nanos(u.delay()));
        }
        o.put("AutoRevert", u.onFailure() == OnFailure.ROLLBACK);
        if (u.canaryOrDefault() > 0) {
            o.put("Canary", u.canaryOrDefault());
            o.put("AutoPromote", true);
        }
        return o;
    }

    private static ObjectNode group(JobSpec spec, GroupSpec g) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Name", g.name());
        if (spec.type() != JobType.SYSTEM) {
            o.put("Count", g.countOrDefault());
        }
        ObjectNode meta = o.putObject("Meta");
        meta.put(SpecVersion.GROUP_LABEL, g.name());
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
            so.put("Provider", extensionMeta(spec, PROVIDER_META, "nomad"));
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
                so.put("Name", spec.name() + "-" + g.name() + "-" + t.name());
                so.put("Provider", extensionMeta(spec, PROVIDER_META, "nomad"));
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

    private static ObjectNode restart(RestartPolicy r, JobType type) {
        ObjectNode o = JSON.createObjectNode();
        RestartMode mode = r == null ? (type == JobType.BATCH || type == JobType.CRON ? RestartMode.ON_FAILURE : RestartMode.ALWAYS) : r.policy();
        int attempts = r != null && r.attempts() != null ? r.attempts() : mode == RestartMode.NEVER ? 0 : 3;
        o.put("Attempts", mode == RestartMode.NEVER ? 0 : attempts);
        o.put("Delay", nanos(r != null && r.delay() != null ? r.delay() : Duration.ofSeconds(15)));
        o.put("Interval", nanos(Duration.ofMinutes(30)));
        // "delay" keeps restarting after the attempts (always); "fail" gives up (on-failure, never)
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
                    tp.put("DestPath", "secrets/" + m.secret() + "-" + m.key() + ".env");
                    tp.put("EmbeddedTmpl", "{{ with nomadVar \"" + path + "\" }}" + m.env() + "={{ index . \"" + m.key() + "\" }}{{ end }}\n");
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
