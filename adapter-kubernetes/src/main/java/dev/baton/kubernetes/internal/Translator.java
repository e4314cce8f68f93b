package dev.baton.kubernetes.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.InvalidSpecException;
import dev.baton.Specs;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.Constraint;
import dev.baton.model.Exposure;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.model.VolumeAccess;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.spi.JsonMergePatch;
import dev.baton.spi.SpecVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a portable job into Kubernetes objects as JSON trees: one workload per group (Deployment, Job, CronJob or
 * DaemonSet, named {@code <job>-<group>}), a Service per portable service, a PersistentVolumeClaim per volume.
 * Every object carries the spec's labels and Baton's ({@code baton.dev/job}, {@code baton.dev/group}); workloads
 * and their pods also {@code baton.dev/version}. The spec itself is kept in the workload's
 * {@code baton.dev/spec} annotation, which is how plan, status and rollback know what Baton deployed.
 */
public final class Translator {
    public static final String PLATFORM = "kubernetes";
    public static final String SPEC_ANNOTATION = "baton.dev/spec";
    static final int NODE_PORT_MIN = 30000;
    static final int NODE_PORT_MAX = 32767;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Translator() {
    }

    /** The objects of a job, in the order they are applied (claims, then workloads, then services). */
    public static List<ObjectNode> translate(JobSpec spec, String namespace) {
        // the last guard: the core runs refusals() before render, plan and deploy, so only a caller that bypasses it
        // (scale of a stored spec, a direct call) can get here with a spec Kubernetes cannot run as rendered
        List<Unsupported> refused = refusals(spec);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        String version = SpecVersion.of(spec);
        List<ObjectNode> out = new ArrayList<>();
        for (VolumeSpec v : spec.volumes()) {
            out.add(claim(spec, namespace, v));
        }
        for (GroupSpec g : spec.groups()) {
            ObjectNode w = workload(spec, namespace, g, version);
            out.add(spec.extensions().forPlatform(PLATFORM).map(p -> (ObjectNode) JsonMergePatch.apply(w, p)).orElse(w));
        }
        for (GroupSpec g : spec.groups()) {
            for (ServiceSpec s : g.services()) {
                out.add(service(spec, namespace, g, s));
            }
        }
        return out;
    }

    /** The longest name of a pod volume, a DNS-1123 label (pkg/apis/core/validation {@code ValidateVolumes}). */
    static final int POD_VOLUME_NAME_MAX = 63;
    /** The longest Job name: the Job controller labels its pods with it ({@code batch.kubernetes.io/job-name}), a label value. */
    static final int JOB_NAME_MAX = 63;
    /**
     * The longest CronJob name: the CronJob controller names each Job {@code <name>-<11 characters>}
     * (pkg/apis/batch/validation {@code ValidateCronJobCreate}: "must be no more than 52 characters").
     */
    static final int CRON_JOB_NAME_MAX = 52;

    /**
     * Everything in {@code spec} that Kubernetes cannot run as Baton renders it and that its capabilities cannot express
     * (the structural rules: one health check per container, restart settings a Deployment or DaemonSet has no field
     * for, the node port range, a ReadWriteOnce claim shared by several pods, names the API server would refuse), each
     * with its path and reason, in one pass. Reads nothing from the cluster; what needs the live objects (fields the
     * API server does not let change) is found by the deploy's own reads.
     */
    public static List<Unsupported> refusals(JobSpec spec) {
        List<Unsupported> out = new ArrayList<>();
        boolean longRunning = spec.type() == JobType.SERVICE || spec.type() == JobType.SYSTEM;
        Map<Integer, String> nodePorts = new LinkedHashMap<>();
        for (int gi = 0; gi < spec.groups().size(); gi++) {
            GroupSpec g = spec.groups().get(gi);
            String gp = "groups[" + gi + "]";
            String workload = workloadName(spec, g);
            if (spec.type() == JobType.BATCH && workload.length() > JOB_NAME_MAX) {
                out.add(new Unsupported(gp + ".name", "a Job named " + workload + " (" + workload.length() + " characters)", PLATFORM,
                        "the Job controller labels the Job's pods with its name (batch.kubernetes.io/job-name), and a label value has at most "
                                + JOB_NAME_MAX + " characters; shorten the job or group name", false));
            }
            if (spec.type() == JobType.CRON && workload.length() > CRON_JOB_NAME_MAX) {
                out.add(new Unsupported(gp + ".name", "a CronJob named " + workload + " (" + workload.length() + " characters)", PLATFORM,
                        "the CronJob controller names each Job it starts after the CronJob plus 11 characters, and a Job name has at most "
                                + JOB_NAME_MAX + "; a CronJob's name has at most " + CRON_JOB_NAME_MAX + " characters; shorten the job or group name",
                        false));
            }
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                TaskSpec t = g.tasks().get(ti);
                if (t.health().size() > 1) {
                    out.add(new Unsupported(gp + ".tasks[" + ti + "].health[1]", "more than one health check per task", PLATFORM,
                            "a container has one readiness and one liveness probe; Baton maps one check to both", false));
                }
            }
            if (longRunning && g.restart() != null && g.restart().attempts() != null) {
                out.add(new Unsupported(gp + ".restart.attempts", "restart attempts on a " + spec.type().id() + " job", PLATFORM,
                        "only Jobs have a backoffLimit; the pods of Deployments and DaemonSets restart without limit", false));
            }
            if (longRunning && g.restart() != null && g.restart().policy() != RestartMode.ALWAYS) {
                out.add(new Unsupported(gp + ".restart.policy", "restart policy " + g.restart().policy().id() + " on a "
                        + spec.type().id() + " job", PLATFORM, "Deployments and DaemonSets only run pods with restartPolicy Always", false));
            }
            for (int si = 0; si < g.services().size(); si++) {
                ServiceSpec s = g.services().get(si);
                String sp = gp + ".services[" + si + "]";
                if (s.publishedPort() == null) {
                    continue;
                }
                if (s.publishedPort() < NODE_PORT_MIN || s.publishedPort() > NODE_PORT_MAX) {
                    out.add(new Unsupported(sp + ".publishedPort", "published port " + s.publishedPort(),
                            PLATFORM, "a NodePort must be in the node port range " + NODE_PORT_MIN + "-" + NODE_PORT_MAX, false));
                } else if (nodePorts.putIfAbsent(s.publishedPort(), sp) != null) {
                    out.add(new Unsupported(sp + ".publishedPort", "published port " + s.publishedPort() + " on two services", PLATFORM,
                            "a node port is allocated to one Service, and " + nodePorts.get(s.publishedPort()) + " publishes it already", false));
                }
            }
            int count = g.countOrDefault();
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                for (int vi = 0; vi < g.tasks().get(ti).volumes().size(); vi++) {
                    VolumeMount m = g.tasks().get(ti).volumes().get(vi);
                    boolean single = spec.volumes().stream().anyMatch(v -> v.name().equals(m.volume()) && v.access() == VolumeAccess.SINGLE_HOST);
                    if (single && (count > 1 || spec.type() == JobType.SYSTEM)) {
                        out.add(new Unsupported(gp + ".tasks[" + ti + "].volumes[" + vi + "]", "a single-host volume shared by several instances",
                                PLATFORM, "a ReadWriteOnce claim is mounted by one node; use access: multi-host, or count: 1", false));
                    }
                }
            }
        }
        // the pod volumes Baton names after a spec volume or a secret mounted as files ("volume-<name>", "secret-<name>")
        for (int vi = 0; vi < spec.volumes().size(); vi++) {
            String name = spec.volumes().get(vi).name();
            boolean mounted = spec.groups().stream().flatMap(g -> g.tasks().stream()).flatMap(t -> t.volumes().stream())
                    .anyMatch(m -> m.volume().equals(name));
            if (mounted && (VOLUME_PREFIX + name).length() > POD_VOLUME_NAME_MAX) {
                out.add(podVolumeName("volumes[" + vi + "].name", VOLUME_PREFIX + name));
            }
        }
        for (int si = 0; si < spec.secrets().size(); si++) {
            String name = spec.secrets().get(si).name();
            boolean asFiles = spec.groups().stream().flatMap(g -> g.tasks().stream()).flatMap(t -> t.secrets().stream())
                    .anyMatch(m -> !m.isEnv() && name.equals(m.secret()));
            if (asFiles && (SECRET_PREFIX + name).length() > POD_VOLUME_NAME_MAX) {
                out.add(podVolumeName("secrets[" + si + "].name", SECRET_PREFIX + name));
            }
        }
        return out;
    }

    private static final String VOLUME_PREFIX = "volume-";
    private static final String SECRET_PREFIX = "secret-";

    private static Unsupported podVolumeName(String path, String podVolume) {
        return new Unsupported(path, "a pod volume named " + podVolume + " (" + podVolume.length() + " characters)", PLATFORM,
                "a pod volume's name is a DNS label of at most " + POD_VOLUME_NAME_MAX + " characters, and Baton names it "
                        + podVolume.substring(0, podVolume.indexOf('-') + 1) + "<name>; use a name of at most "
                        + (POD_VOLUME_NAME_MAX - podVolume.indexOf('-') - 1) + " characters", false);
    }

    public static String workloadName(JobSpec spec, GroupSpec g) {
        return spec.name() + "-" + g.name();
    }

    public static String kind(JobType type) {
        return switch (type) {
            case SERVICE -> "Deployment";
            case BATCH -> "Job";
            case CRON -> "CronJob";
            case SYSTEM -> "DaemonSet";
        };
    }

    private static ObjectNode metadata(ObjectNode obj, JobSpec spec, String namespace, String name, GroupSpec g) {
        ObjectNode m = obj.putObject("metadata");
        m.put("name", name);
        m.put("namespace", namespace);
        ObjectNode labels = m.putObject("labels");
        spec.labels().forEach(labels::put);
        labels.put(SpecVersion.JOB_LABEL, spec.name());
        if (g != null) {
            labels.put(SpecVersion.GROUP_LABEL, g.name());
        }
        return m;
    }

    private static ObjectNode workload(JobSpec spec, String namespace, GroupSpec g, String version) {
        ObjectNode w = JSON.createObjectNode();
        w.put("apiVersion", spec.type() == JobType.BATCH || spec.type() == JobType.CRON ? "batch/v1" : "apps/v1");
        w.put("kind", kind(spec.type()));
        ObjectNode meta = metadata(w, spec, namespace, workloadName(spec, g), g);
        ((ObjectNode) meta.get("labels")).put(SpecVersion.LABEL, version);
        ObjectNode ann = meta.putObject("annotations");
        ann.put(SpecVersion.LABEL, version);
        ann.put(SPEC_ANNOTATION, compact(Specs.toJson(spec)));
        ObjectNode podTemplate = podTemplate(spec, g, version);
        ObjectNode selector = JSON.createObjectNode();
        selector.putObject("matchLabels").put(SpecVersion.JOB_LABEL, spec.name()).put(SpecVersion.GROUP_LABEL, g.name());
        ObjectNode s = w.putObject("spec");
        switch (spec.type()) {
            case SERVICE -> {
                s.put("replicas", g.countOrDefault());
                s.set("selector", selector);
                strategy(spec.update(), s, false);
                s.set("template", podTemplate);
            }
            case SYSTEM -> {
                s.set("selector", selector);
                strategy(spec.update(), s, true);
                s.set("template", podTemplate);
            }
            case BATCH -> {
                jobSpec(s, g, podTemplate);
            }
            case CRON -> {
                s.put("schedule", spec.schedule());
                if (spec.timeZone() != null) {
                    s.put("timeZone", spec.timeZone());
                }
                s.put("concurrencyPolicy", "Forbid");
                ObjectNode jt = s.putObject("jobTemplate");
                jt.putObject("metadata").set("labels", podTemplate.path("metadata").path("labels").deepCopy());
                jobSpec(jt.putObject("spec"), g, podTemplate);
            }
            default -> throw new IllegalStateException();
        }
        return w;
    }

    private static void jobSpec(ObjectNode s, GroupSpec g, ObjectNode podTemplate) {
        s.put("completions", g.countOrDefault());
        s.put("parallelism", g.countOrDefault());
        if (g.restart() != null && g.restart().attempts() != null) {
            s.put("backoffLimit", g.restart().attempts());
        }
        s.set("template", podTemplate);
    }

    private static void strategy(UpdatePolicy u, ObjectNode s, boolean daemonSet) {
        if (u == null) {
            return;
        }
        ObjectNode st = s.putObject(daemonSet ? "updateStrategy" : "strategy");
        if (u.strategy() == UpdateStrategy.RECREATE) {
            st.put("type", daemonSet ? "OnDelete" : "Recreate");
        } else {
            st.put("type", "RollingUpdate");
            ObjectNode ru = st.putObject("rollingUpdate");
            int p = u.parallelismOrDefault();
            if (daemonSet) {
                ru.put("maxUnavailable", p);
            } else {
                // start-first: new pods come up before old ones go, parallelism at a time
                ru.put("maxSurge", p);
                ru.put("maxUnavailable", 0);
            }
        }
        if (u.minHealthyTime() != null) {
            s.put("minReadySeconds", seconds(u.minHealthyTime()));
        }
        if (u.healthyDeadline() != null && !daemonSet) {
            s.put("progressDeadlineSeconds", seconds(u.healthyDeadline()));
        }
    }

    private static int seconds(Duration d) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (d.toMillis() + 999) / 1000));
    }

    /** Port numbers for a group: fixed ones as given, dynamic ones from 8080 up, skipping the fixed ones. */
    public static Map<String, Integer> ports(GroupSpec g) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Set<Integer> used = new HashSet<>();
        g.tasks().forEach(t -> t.ports().forEach(p -> {
            if (p.port() != null) {
                used.add(p.port());
            }
        }));
        int next = 8080;
        for (TaskSpec t : g.tasks()) {
            for (PortSpec p : t.ports()) {
                if (p.port() != null) {
                    out.put(p.name(), p.port());
                } else {
                    while (used.contains(next)) {
                        next++;
                    }
                    used.add(next);
                    out.put(p.name(), next++);
                }
            }
        }
        return out;
    }

    private static ObjectNode podTemplate(JobSpec spec, GroupSpec g, String version) {
        ObjectNode t = JSON.createObjectNode();
        ObjectNode labels = t.putObject("metadata").putObject("labels");
        spec.labels().forEach(labels::put);
        labels.put(SpecVersion.JOB_LABEL, spec.name());
        labels.put(SpecVersion.GROUP_LABEL, g.name());
        labels.put(SpecVersion.LABEL, version);
        ObjectNode pod = t.putObject("spec");
        if (spec.type() == JobType.BATCH || spec.type() == JobType.CRON) {
            pod.put("restartPolicy", g.restart() != null && g.restart().policy() == RestartMode.NEVER ? "Never" : "OnFailure");
        }
        Map<String, Integer> ports = ports(g);
        ArrayNode containers = pod.putArray("containers");
        List<ObjectNode> volumes = new ArrayList<>();
        for (TaskSpec task : g.tasks()) {
            containers.add(container(task, ports, volumes, spec));
        }
        if (!volumes.isEmpty()) {
            ArrayNode vs = pod.putArray("volumes");
            volumes.forEach(vs::add);
        }
        placement(spec, g, pod);
        return t;
    }

    private static ObjectNode container(TaskSpec task, Map<String, Integer> ports, List<ObjectNode> volumes, JobSpec spec) {
        ObjectNode c = JSON.createObjectNode();
        c.put("name", task.name());
        c.put("image", task.image());
        if (!task.command().isEmpty()) {
            ArrayNode cmd = c.putArray("command");
            task.command().forEach(cmd::add);
        }
        if (!task.args().isEmpty()) {
            ArrayNode args = c.putArray("args");
            task.args().forEach(args::add);
        }
        if (task.workingDir() != null) {
            c.put("workingDir", task.workingDir());
        }
        ArrayNode env = c.putArray("env");
        task.env().forEach((k, v) -> env.addObject().put("name", k).put("value", v));
        ports.forEach((name, port) -> env.addObject().put("name", PortSpec.envName(name)).put("value", Integer.toString(port)));
        ArrayNode mounts = JSON.createArrayNode();
        for (SecretMount m : task.secrets()) {
            if (m.isEnv()) {
                ObjectNode ref = env.addObject().put("name", m.env()).putObject("valueFrom").putObject("secretKeyRef");
                ref.put("name", m.secret());
                ref.put("key", m.key());
            } else {
                String volume = SECRET_PREFIX + m.secret();
                if (volumes.stream().noneMatch(v -> v.path("name").asText().equals(volume))) {
                    ObjectNode v = JSON.createObjectNode().put("name", volume);
                    v.putObject("secret").put("secretName", m.secret()).put("defaultMode", 0400);
                    volumes.add(v);
                }
                mounts.addObject().put("name", volume).put("mountPath", m.file()).put("subPath", m.key()).put("readOnly", true);
            }
        }
        for (VolumeMount m : task.volumes()) {
            String volume = VOLUME_PREFIX + m.volume();
            if (volumes.stream().noneMatch(v -> v.path("name").asText().equals(volume))) {
                ObjectNode v = JSON.createObjectNode().put("name", volume);
                v.putObject("persistentVolumeClaim").put("claimName", spec.name() + "-" + m.volume());
                volumes.add(v);
            }
            ObjectNode mo = mounts.addObject().put("name", volume).put("mountPath", m.mountPath());
            if (m.readOnly()) {
                mo.put("readOnly", true);
            }
        }
        if (!task.ports().isEmpty()) {
            ArrayNode ps = c.putArray("ports");
            for (PortSpec p : task.ports()) {
                ps.addObject().put("name", p.name()).put("containerPort", ports.get(p.name())).put("protocol", p.protocol().id().toUpperCase());
            }
        }
        if (task.resources() != null && (task.resources().cpu() != null || task.resources().memory() != null)) {
            ObjectNode r = c.putObject("resources");
            for (String kind : List.of("requests", "limits")) {
                ObjectNode q = r.putObject(kind);
                if (task.resources().cpu() != null) {
                    q.put("cpu", task.resources().cpu().toString());
                }
                if (task.resources().memory() != null) {
                    q.put("memory", task.resources().memory().toString());
                }
            }
        }
        if (!task.health().isEmpty()) {
            HealthCheck h = task.health().get(0);
            c.set("readinessProbe", probe(h, false));
            c.set("livenessProbe", probe(h, true));
        }
        if (!mounts.isEmpty()) {
            c.set("volumeMounts", mounts);
        }
        if (env.isEmpty()) {
            c.remove("env");
        }
        return c;
    }

    private static ObjectNode probe(HealthCheck h, boolean liveness) {
        ObjectNode p = JSON.createObjectNode();
        if (h instanceof HealthCheck.Http http) {
            p.putObject("httpGet").put("path", http.path()).put("port", http.port());
        } else if (h instanceof HealthCheck.Tcp tcp) {
            p.putObject("tcpSocket").put("port", tcp.port());
        } else if (h instanceof HealthCheck.Exec exec) {
            ArrayNode cmd = p.putObject("exec").putArray("command");
            exec.command().forEach(cmd::add);
        }
        p.put("periodSeconds", Math.max(1, seconds(h.timing().interval())));
        p.put("timeoutSeconds", Math.max(1, seconds(h.timing().timeout())));
        p.put("failureThreshold", h.timing().retries());
        p.put("initialDelaySeconds", seconds(h.timing().gracePeriod()));
        return p;
    }

    static String nodeKey(String attribute) {
        return switch (attribute) {
            case Constraint.HOSTNAME -> "kubernetes.io/hostname";
            case Constraint.OS -> "kubernetes.io/os";
            case Constraint.ARCH -> "kubernetes.io/arch";
            default -> attribute.substring(Constraint.LABEL_PREFIX.length());
        };
    }

    private static void placement(JobSpec spec, GroupSpec g, ObjectNode pod) {
        var p = spec.placement();
        if (p == null) {
            return;
        }
        ObjectNode affinity = JSON.createObjectNode();
        if (!p.constraints().isEmpty()) {
            ArrayNode exprs = affinity.putObject("nodeAffinity").putObject("requiredDuringSchedulingIgnoredDuringExecution")
                    .putArray("nodeSelectorTerms").addObject().putArray("matchExpressions");
            for (Constraint c : p.constraints()) {
                ObjectNode e = exprs.addObject().put("key", nodeKey(c.attribute()));
                switch (c.operator()) {
                    case EQUAL -> e.put("operator", "In").putArray("values").add(c.value());
                    case NOT_EQUAL -> e.put("operator", "NotIn").putArray("values").add(c.value());
                    case IN -> c.values().forEach(e.put("operator", "In").putArray("values")::add);
                    case NOT_IN -> c.values().forEach(e.put("operator", "NotIn").putArray("values")::add);
                    case EXISTS -> e.put("operator", "Exists");
                    case NOT_EXISTS -> e.put("operator", "DoesNotExist");
                    default -> throw new IllegalStateException();
                }
            }
        }
        ObjectNode groupSelector = JSON.createObjectNode();
        groupSelector.putObject("matchLabels").put(SpecVersion.JOB_LABEL, spec.name()).put(SpecVersion.GROUP_LABEL, g.name());
        if (p.distinctHosts()) {
            affinity.putObject("podAntiAffinity").putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject()
                    .put("topologyKey", "kubernetes.io/hostname").set("labelSelector", groupSelector.deepCopy());
        }
        if (affinity.size() > 0) {
            pod.set("affinity", affinity);
        }
        if (p.spread() != null) {
            ObjectNode t = pod.putArray("topologySpreadConstraints").addObject();
            t.put("maxSkew", 1).put("topologyKey", nodeKey(p.spread())).put("whenUnsatisfiable", "ScheduleAnyway");
            t.set("labelSelector", groupSelector);
        }
    }

    private static ObjectNode claim(JobSpec spec, String namespace, VolumeSpec v) {
        ObjectNode c = JSON.createObjectNode();
        c.put("apiVersion", "v1");
        c.put("kind", "PersistentVolumeClaim");
        metadata(c, spec, namespace, spec.name() + "-" + v.name(), null);
        ObjectNode s = c.putObject("spec");
        s.putArray("accessModes").add(v.access() == VolumeAccess.MULTI_HOST ? "ReadWriteMany" : "ReadWriteOnce");
        s.putObject("resources").putObject("requests").put("storage", v.size() == null ? "1Gi" : v.size().toString());
        return c;
    }

    private static ObjectNode service(JobSpec spec, String namespace, GroupSpec g, ServiceSpec svc) {
        ObjectNode s = JSON.createObjectNode();
        s.put("apiVersion", "v1");
        s.put("kind", "Service");
        metadata(s, spec, namespace, svc.name(), g);
        ObjectNode ss = s.putObject("spec");
        ss.put("type", svc.expose() == Exposure.PUBLISHED ? "NodePort" : "ClusterIP");
        ss.putObject("selector").put(SpecVersion.JOB_LABEL, spec.name()).put(SpecVersion.GROUP_LABEL, g.name());
        int port = ports(g).get(svc.port());
        PortSpec ps = g.port(svc.port()).orElseThrow(() -> InvalidSpecException.of("services", "no port " + svc.port()));
        ObjectNode p = ss.putArray("ports").addObject();
        p.put("name", svc.port()).put("port", port).put("targetPort", svc.port()).put("protocol", ps.protocol().id().toUpperCase());
        if (svc.publishedPort() != null) {
            p.put("nodePort", svc.publishedPort());
        }
        return s;
    }

    private static String compact(String json) {
        try {
            return JSON.readTree(json).toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spec stored on a workload, if Baton deployed it. */
    public static JobSpec specOf(JsonNode workload) {
        String json = workload.path("metadata").path("annotations").path(SPEC_ANNOTATION).asText(null);
        return json == null ? null : Specs.read(json);
    }

    /** The spec stored in a workload's annotations (its {@link #SPEC_ANNOTATION}), or null if Baton did not deploy it. */
    public static JobSpec specOf(Map<String, String> annotations) {
        String json = annotations == null ? null : annotations.get(SPEC_ANNOTATION);
        return json == null ? null : Specs.read(json);
    }

    /** An object by kind and name. */
    public record Ref(String kind, String name) {
    }

    /**
     * The kind and name of every object {@link #translate} renders for {@code spec}, in the same order, without rendering
     * or refusing anything: what a job deployed from a stored spec owns.
     */
    public static List<Ref> names(JobSpec spec) {
        List<Ref> out = new ArrayList<>();
        for (VolumeSpec v : spec.volumes()) {
            out.add(new Ref("PersistentVolumeClaim", spec.name() + "-" + v.name()));
        }
        for (GroupSpec g : spec.groups()) {
            out.add(new Ref(kind(spec.type()), workloadName(spec, g)));
        }
        for (GroupSpec g : spec.groups()) {
            for (ServiceSpec s : g.services()) {
                out.add(new Ref("Service", s.name()));
            }
        }
        return out;
    }
}
