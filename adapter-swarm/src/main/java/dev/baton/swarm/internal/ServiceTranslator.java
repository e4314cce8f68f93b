package dev.baton.swarm.internal;

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
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.model.VolumeMount;
import dev.baton.spi.JsonMergePatch;
import dev.baton.spi.SpecVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates a portable job into Engine API (1.41) service specs: one Swarm service per group, named
 * {@code <job>_<group>} as {@code docker stack} names them. Everything here is pure: nothing is sent. A field Swarm
 * cannot honour that the capability check cannot see (a second health check, a spread over something other than node
 * labels, {@code restart: always} on a batch job) is refused with {@link UnsupportedCapabilityException}.
 */
public final class ServiceTranslator {
    public static final String SPEC_LABEL = "baton.dev/spec";
    public static final String NAMESPACE_LABEL = "baton.dev/namespace";
    /** Service label per portable service: {@code baton.dev/service.<name>} = the port name. */
    public static final String SERVICE_LABEL_PREFIX = "baton.dev/service.";
    public static final String SECRET_LABEL = "baton.dev/secret";
    public static final String SECRET_KEY_LABEL = "baton.dev/secret-key";
    public static final String SECRET_VERSION_LABEL = "baton.dev/secret-version";

    private ServiceTranslator() {
    }

    /** One group's service: its name, the spec to send, and the overlay network it needs created, if any. */
    public record Rendered(String group, String name, ObjectNode spec, String network) {
    }

    public static String serviceName(String job, String group) {
        return job + "_" + group;
    }

    /** The overlay network a job's internal services share, as {@code docker stack} names it. */
    public static String networkName(String job) {
        return job + "_default";
    }

    /** The container label that names the spec's task a service runs. */
    public static final String TASK_LABEL = "baton.dev/task";

    public static String volumeName(String job, String volume) {
        return job + "_" + volume;
    }

    /** The logical name of a secret key before a version is chosen: {@code <secret>.<key>}. */
    public static String secretName(String secret, String key) {
        return secret + "." + key;
    }

    /**
     * The services of {@code spec}. Refuses nothing the core has not already been told: {@link #refusals} is the same
     * pass, which the orchestrator states through {@code SpecRefusals}, so plan, render and deploy list every refusal
     * before this runs. The throw stays as the last guard for a caller that skipped the check.
     */
    public static List<Rendered> services(JobSpec spec) {
        List<Unsupported> refused = new ArrayList<>();
        List<Rendered> out = translate(spec, refused);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(Engine.PLATFORM, refused);
        }
        return out;
    }

    /** Every structural rule of this translation that {@code spec} breaks, with its path, in one pass. */
    public static List<Unsupported> refusals(JobSpec spec) {
        List<Unsupported> refused = new ArrayList<>();
        translate(spec, refused);
        return refused;
    }

    private static List<Rendered> translate(JobSpec spec, List<Unsupported> refused) {
        List<Rendered> out = new ArrayList<>();
        for (int i = 0; i < spec.groups().size(); i++) {
            out.add(group(spec, spec.groups().get(i), "groups[" + i + "]", refused));
        }
        return out;
    }

    private static void refuse(List<Unsupported> refused, String path, String capability, String reason) {
        refused.add(new Unsupported(path, capability, Engine.PLATFORM, reason, false));
    }

    private static Rendered group(JobSpec spec, GroupSpec g, String path, List<Unsupported> refused) {
        String name = serviceName(spec.name(), g.name());
        String version = SpecVersion.of(spec);
        ObjectNode s = Engine.JSON.createObjectNode();
        s.put("Name", name);
        ObjectNode labels = s.putObject("Labels");
        spec.labels().forEach(labels::put);
        labels.put(SpecVersion.JOB_LABEL, spec.name());
        labels.put(SpecVersion.GROUP_LABEL, g.name());
        labels.put(SpecVersion.LABEL, version);
        if (spec.namespace() != null) {
            labels.put(NAMESPACE_LABEL, spec.namespace());
        }
        for (ServiceSpec svc : g.services()) {
            labels.put(SERVICE_LABEL_PREFIX + svc.name(), svc.port());
        }
        labels.put(SPEC_LABEL, Specs.toJson(spec));

        TaskSpec t = g.tasks().get(0);
        String tpath = path + ".tasks[0]";
        ObjectNode template = s.putObject("TaskTemplate");
        ObjectNode c = template.putObject("ContainerSpec");
        c.put("Image", t.image());
        ObjectNode cl = c.putObject("Labels");
        spec.labels().forEach(cl::put);
        cl.put(SpecVersion.JOB_LABEL, spec.name());
        cl.put(SpecVersion.GROUP_LABEL, g.name());
        cl.put(SpecVersion.LABEL, version);
        // a service runs the group's one task: its name lives on as a label of each task's container
        cl.put(TASK_LABEL, t.name());
        if (!t.command().isEmpty()) {
            t.command().forEach(c.putArray("Command")::add);
        }
        if (!t.args().isEmpty()) {
            t.args().forEach(c.putArray("Args")::add);
        }
        // PORT_<NAME> of every port of the group, as on every platform (the task's own number: Swarm has no dynamic
        // ports); a variable the spec sets itself keeps the spec's value
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        for (TaskSpec other : g.tasks()) {
            for (PortSpec p : other.ports()) {
                if (p.port() != null) {
                    env.put(PortSpec.envName(p.name()), Integer.toString(p.port()));
                }
            }
        }
        env.putAll(t.env());
        if (!env.isEmpty()) {
            ArrayNode envs = c.putArray("Env");
            env.forEach((k, v) -> envs.add(k + "=" + v));
        }
        if (t.workingDir() != null) {
            c.put("Dir", t.workingDir());
        }
        health(t, tpath, c, refused);
        secrets(t, tpath, c, refused);
        mounts(spec, t, c);
        if (t.resources() != null && (t.resources().cpu() != null || t.resources().memory() != null)) {
            ObjectNode res = template.putObject("Resources");
            for (String kind : List.of("Limits", "Reservations")) {
                ObjectNode r = res.putObject(kind);
                if (t.resources().cpu() != null) {
                    r.put("NanoCPUs", t.resources().cpu().millicores() * 1_000_000L);
                }
                if (t.resources().memory() != null) {
                    r.put("MemoryBytes", t.resources().memory().bytes());
                }
            }
        }
        restart(spec.type(), g.restart(), path, template, refused);
        placement(spec, path, template, refused);

        ObjectNode mode = s.putObject("Mode");
        switch (spec.type()) {
            case SYSTEM -> mode.putObject("Global");
            case BATCH -> mode.putObject("ReplicatedJob").put("MaxConcurrent", g.countOrDefault()).put("TotalCompletions", g.countOrDefault());
            default -> mode.putObject("Replicated").put("Replicas", g.countOrDefault());
        }
        if (spec.type() == JobType.SERVICE || spec.type() == JobType.SYSTEM) {
            update(spec.update(), s);
        }

        String network = null;
        ObjectNode endpoint = s.putObject("EndpointSpec");
        endpoint.put("Mode", "vip");
        List<ServiceSpec> internal = g.services().stream().filter(x -> x.expose() == dev.baton.model.Exposure.INTERNAL).toList();
        List<ServiceSpec> published = g.services().stream().filter(x -> x.expose() == dev.baton.model.Exposure.PUBLISHED).toList();
        if (!published.isEmpty()) {
            ArrayNode ports = endpoint.putArray("Ports");
            for (ServiceSpec svc : published) {
                PortSpec p = g.port(svc.port()).orElseThrow();
                ObjectNode port = ports.addObject();
                port.put("Name", svc.name());
                port.put("Protocol", p.protocol() == dev.baton.model.Protocol.UDP ? "udp" : "tcp");
                port.put("TargetPort", p.port());
                if (svc.publishedPort() != null) {
                    port.put("PublishedPort", svc.publishedPort());
                }
                port.put("PublishMode", "ingress");
            }
        }
        if (!internal.isEmpty()) {
            network = networkName(spec.name());
            ObjectNode attachment = template.putArray("Networks").addObject();
            attachment.put("Target", network);
            internal.forEach(x -> attachment.withArray("Aliases").add(x.name()));
        }

        ObjectNode patched = s;
        var patch = spec.extensions().forPlatform(Engine.PLATFORM);
        if (patch.isPresent()) {
            patched = (ObjectNode) JsonMergePatch.apply(s, patch.get());
        }
        boolean usesNetwork = false;
        for (var n : patched.path("TaskTemplate").path("Networks")) {
            usesNetwork |= n.path("Target").asText().equals(network);
        }
        return new Rendered(g.name(), name, patched, usesNetwork ? network : null);
    }

    private static long nanos(Duration d) {
        return d.toNanos();
    }

    private static void health(TaskSpec t, String path, ObjectNode c, List<Unsupported> refused) {
        if (t.health().isEmpty()) {
            return;
        }
        for (int i = 1; i < t.health().size(); i++) {
            refuse(refused, path + ".health[" + i + "]", "several health checks",
                    "a Docker container has one HEALTHCHECK; combine the checks into one exec command");
        }
        HealthCheck h = t.health().get(0);
        if (!(h instanceof HealthCheck.Exec exec)) {
            return; // http and tcp are refused by the capability check before this runs
        }
        ObjectNode hc = c.putObject("HealthCheck");
        ArrayNode test = hc.putArray("Test").add("CMD");
        exec.command().forEach(test::add);
        hc.put("Interval", nanos(h.timing().interval()));
        hc.put("Timeout", nanos(h.timing().timeout()));
        hc.put("Retries", h.timing().retries());
        if (!h.timing().gracePeriod().isZero()) {
            hc.put("StartPeriod", nanos(h.timing().gracePeriod()));
        }
    }

    private static void secrets(TaskSpec t, String path, ObjectNode c, List<Unsupported> refused) {
        for (int i = 0; i < t.secrets().size(); i++) {
            SecretMount m = t.secrets().get(i);
            if (m.isEnv()) {
                continue; // refused by the capability check (feature.SECRETS_AS_ENV)
            }
            ObjectNode s = c.withArray("Secrets").addObject();
            ObjectNode file = s.putObject("File");
            file.put("Name", m.file());
            file.put("UID", "0");
            file.put("GID", "0");
            file.put("Mode", 0444);
            // the version to mount is chosen at deploy time: SecretID and the versioned SecretName are filled in then
            s.put("SecretName", secretName(m.secret(), m.key()));
        }
    }

    private static void mounts(JobSpec spec, TaskSpec t, ObjectNode c) {
        for (VolumeMount m : t.volumes()) {
            ObjectNode mount = c.withArray("Mounts").addObject();
            mount.put("Type", "volume");
            mount.put("Source", volumeName(spec.name(), m.volume()));
            mount.put("Target", m.mountPath());
            mount.put("ReadOnly", m.readOnly());
            ObjectNode vl = mount.putObject("VolumeOptions").putObject("Labels");
            vl.put(SpecVersion.JOB_LABEL, spec.name());
        }
    }

    private static void restart(JobType type, RestartPolicy r, String path, ObjectNode template, List<Unsupported> refused) {
        RestartMode mode = r == null || r.policy() == null ? (type == JobType.BATCH ? RestartMode.ON_FAILURE : RestartMode.ALWAYS) : r.policy();
        if (type == JobType.BATCH && mode == RestartMode.ALWAYS) {
            refuse(refused, path + ".restart.policy", "restart always on a batch job",
                    "a Swarm job's tasks run to completion; restart them on failure or never");
        }
        ObjectNode rp = template.putObject("RestartPolicy");
        rp.put("Condition", switch (mode) {
            case ALWAYS -> "any";
            case ON_FAILURE -> "on-failure";
            case NEVER -> "none";
        });
        if (r != null && r.delay() != null) {
            rp.put("Delay", nanos(r.delay()));
        }
        if (r != null && r.attempts() != null) {
            rp.put("MaxAttempts", r.attempts());
        }
    }

    /** Portable constraint attributes as Swarm names them. */
    static String attribute(String portable) {
        return switch (portable) {
            case "node.os" -> "node.platform.os";
            case "node.arch" -> "node.platform.arch";
            default -> portable;
        };
    }

    private static void placement(JobSpec spec, String path, ObjectNode template, List<Unsupported> refused) {
        if (spec.placement() == null || spec.placement().isEmpty()) {
            return;
        }
        ObjectNode p = template.putObject("Placement");
        List<Constraint> constraints = spec.placement().constraints();
        for (Constraint k : constraints) {
            String op = switch (k.operator()) {
                case EQUAL -> "==";
                case NOT_EQUAL -> "!=";
                default -> null; // refused by the capability check
            };
            if (op != null) {
                p.withArray("Constraints").add(attribute(k.attribute()) + op + k.value());
            }
        }
        String spread = spec.placement().spread();
        if (spread != null) {
            if (!spread.startsWith("node.labels.")) {
                refuse(refused, "placement.spread", "spread over " + spread, "Swarm spreads only over node labels (node.labels.<key>)");
            } else {
                p.withArray("Preferences").addObject().putObject("Spread").put("SpreadDescriptor", spread);
            }
        }
        if (spec.placement().distinctHosts()) {
            p.put("MaxReplicas", 1);
        }
    }

    private static void update(UpdatePolicy u, ObjectNode s) {
        if (u == null) {
            return;
        }
        for (String kind : List.of("UpdateConfig", "RollbackConfig")) {
            ObjectNode c = s.putObject(kind);
            boolean recreate = u.strategy() == UpdateStrategy.RECREATE;
            c.put("Parallelism", recreate ? 0 : u.parallelism() == null ? 1 : u.parallelism());
            if (u.delay() != null) {
                c.put("Delay", nanos(u.delay()));
            }
            if (kind.equals("UpdateConfig")) {
                OnFailure f = u.onFailure() == null ? OnFailure.PAUSE : u.onFailure();
                c.put("FailureAction", f.id());
            } else {
                c.put("FailureAction", "pause");
            }
            if (u.minHealthyTime() != null) {
                c.put("Monitor", nanos(u.minHealthyTime()));
            }
            c.put("MaxFailureRatio", 0);
            c.put("Order", !recreate && u.canary() != null && u.canary() > 0 ? "start-first" : "stop-first");
        }
    }

    /** The rendered services as the manifest shows them: one object, or an array for several groups. */
    public static String manifest(List<Rendered> services) {
        try {
            var w = Engine.JSON.writerWithDefaultPrettyPrinter();
            return services.size() == 1 ? w.writeValueAsString(services.get(0).spec())
                    : w.writeValueAsString(services.stream().map(Rendered::spec).toList());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
