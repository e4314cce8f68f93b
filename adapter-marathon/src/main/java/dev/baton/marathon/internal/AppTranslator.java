package dev.baton.marathon.internal;

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
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.TaskKind;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.spi.JsonMergePatch;
import dev.baton.spi.SpecVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a portable service into Marathon app definitions: one app per group, with the id
 * {@code /[namespace/]<job>/<group>}, so a job is a Marathon group named after it.
 */
public final class AppTranslator {
    public static final String PLATFORM = "marathon";
    public static final String SPEC_LABEL = "baton.dev/spec";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON_NODES = JSON.getNodeFactory();

    /**
     * Why a task has at most one health check on Marathon. Marathon v1.10.26 (and v1.7.236):
     * {@code api/v2/validation/AppValidation.haveAtMostOneMesosHealthCheck} refuses a second MESOS_HTTP/MESOS_TCP check
     * ("AppDefinition can contain at most one Mesos health check", COMMAND checks exempt), and
     * {@code mesos/TaskBuilder} hands only the first Mesos check, COMMAND included, to Mesos ("Mesos supports at most one
     * health check per task"), so an exec check beside another would be accepted and never run; a pod container has one
     * {@code healthCheck} (RAML {@code PodContainer}).
     */
    static final String ONE_CHECK = "Marathon gives Mesos one health check per task: it refuses a second MESOS_HTTP/MESOS_TCP check "
            + "(AppValidation: \"AppDefinition can contain at most one Mesos health check\") and never runs an exec (COMMAND) check "
            + "beside another (TaskBuilder hands Mesos only the first); a pod container has one healthCheck";

    private AppTranslator() {
    }

    /** The Marathon group of a job. */
    public static String groupId(String namespace, String job) {
        return (namespace == null ? "" : "/" + namespace) + "/" + job;
    }

    public static String appId(String namespace, String job, String group) {
        return groupId(namespace, job) + "/" + group;
    }

    /** Whether a rendered definition is a pod (several tasks in its group) rather than an app. */
    public static boolean isPod(JsonNode definition) {
        return definition.has("containers");
    }

    /**
     * One definition per group: an app for a group with one task, a pod ({@code /v2/pods}) for a group with several,
     * whose tasks then share the instance's lifecycle and network as the spec says.
     */
    public static List<ObjectNode> apps(JobSpec spec, String namespace) {
        // the last guard: the core asks refusals() (MarathonOrchestrator as SpecRefusals) before plan, render and deploy,
        // so only a caller that bypasses it gets here with a spec Marathon cannot run
        List<Unsupported> refused = refusals(spec);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        String version = SpecVersion.of(spec);
        List<ObjectNode> out = new ArrayList<>();
        String specJson;
        try {
            specJson = JSON.readTree(Specs.toJson(spec)).toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        for (GroupSpec g : spec.groups()) {
            ObjectNode app = g.tasks().size() > 1 ? PodTranslator.pod(spec, namespace, g, version, specJson)
                    : app(spec, namespace, g, version, specJson);
            out.add(spec.extensions().forPlatform(PLATFORM).map(p -> (ObjectNode) JsonMergePatch.apply(app, p)).orElse(app));
        }
        return out;
    }

    /**
     * Every structural rule of this translation that {@code spec} breaks, each with its path and reason, in one pass;
     * nothing is thrown and nothing is read from Marathon. What the capabilities already refuse is named the same way
     * (path and capability), so the core lists it once.
     */
    public static List<Unsupported> refusals(JobSpec spec) {
        List<Unsupported> out = new ArrayList<>();
        for (int gi = 0; gi < spec.groups().size(); gi++) {
            GroupSpec g = spec.groups().get(gi);
            portNumberClashes(g, "groups[" + gi + "]", out);
            if (g.tasks().size() > 1) {
                PodTranslator.refuse(g, "groups[" + gi + "]", out);
            } else {
                TaskSpec t = g.tasks().get(0);
                for (int hi = 1; hi < t.health().size(); hi++) {
                    out.add(new Unsupported("groups[" + gi + "].tasks[0].health[" + hi + "]", "several health checks on a Marathon app task",
                            PLATFORM, ONE_CHECK, false));
                }
            }
            if (g.restart() != null && g.restart().policy() != RestartMode.ALWAYS) {
                out.add(new Unsupported("groups[" + gi + "].restart.policy", "restart policy " + g.restart().policy().id(), PLATFORM,
                        "Marathon keeps every app instance running and restarts it whenever it ends", false));
            }
        }
        for (int vi = 0; vi < spec.volumes().size(); vi++) {
            VolumeSpec v = spec.volumes().get(vi);
            if (v.size() == null) {
                out.add(new Unsupported("volumes[" + vi + "].size", "a persistent volume without a size", PLATFORM,
                        "Marathon reserves a persistent local volume's disk on the agent and needs its size", false));
            }
            String name = v.name();
            long groups = spec.groups().stream().filter(g -> g.tasks().stream().anyMatch(t -> t.volumes().stream()
                    .anyMatch(m -> m.volume().equals(name)))).count();
            if (groups > 1) {
                out.add(new Unsupported("volumes[" + vi + "]", "a volume shared by several groups", PLATFORM,
                        "a Marathon persistent volume belongs to one app instance; each group is its own app", false));
            }
        }
        if (spec.placement() != null) {
            for (int i = 0; i < spec.placement().constraints().size(); i++) {
                if (spec.placement().constraints().get(i).operator() == dev.baton.model.Operator.NOT_EXISTS) {
                    out.add(new Unsupported("placement.constraints[" + i + "].operator", "constraint operator not-exists", PLATFORM,
                            "Marathon constraints can only match attributes an agent has", false));
                }
            }
        }
        return out;
    }

    /**
     * A port number used by two ports of a group (the spec allows it for two protocols): Marathon refuses two port
     * definitions of an app with one number, whatever their protocols ({@code api/v2/validation/AppValidation
     * .portDefinitionsValidator}, v1.10.26: "Ports must be unique."), and two endpoints of a pod with one host port
     * ({@code PodsValidation.endpointHostPortsUnique}: "host ports must be unique across all containers").
     */
    private static void portNumberClashes(GroupSpec g, String gp, List<Unsupported> out) {
        Map<Integer, String> first = new java.util.HashMap<>();
        for (int ti = 0; ti < g.tasks().size(); ti++) {
            List<PortSpec> ports = g.tasks().get(ti).ports();
            for (int pi = 0; pi < ports.size(); pi++) {
                PortSpec p = ports.get(pi);
                if (p.isDynamic()) {
                    continue;
                }
                String other = first.putIfAbsent(p.port(), p.name());
                if (other != null) {
                    out.add(new Unsupported(gp + ".tasks[" + ti + "].ports[" + pi + "].port", "port number " + p.port() + " for two ports ("
                            + other + " and " + p.name() + ") of one Marathon " + (g.tasks().size() > 1 ? "pod" : "app"), PLATFORM,
                            "Marathon refuses two ports with one number whatever their protocols (AppValidation: \"Ports must be unique.\"; "
                                    + "PodsValidation: \"host ports must be unique across all containers\")", false));
                }
            }
        }
    }

    /**
     * {@code PORT_<NAME>} of every port of group {@code g} whose number is known before Marathon runs it (a fixed port),
     * for the environment of each of its tasks: the same contract as on every platform. Marathon itself gives an app
     * task its ports ({@code PORT0}, …, and {@code PORT_<NAME>} with the name only upper-cased:
     * {@code mesos/EnvironmentHelper.portsEnv}) and a pod's containers {@code EP_HOST_<NAME>} for every endpoint
     * ({@code mesos/TaskGroupBuilder.endpointEnvVars}); a process task's shell exports {@code PORT_<NAME>} of the
     * dynamic ones from those ({@link #portExports}, {@code PodTranslator}).
     */
    static Map<String, String> fixedPortEnv(GroupSpec g) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (TaskSpec t : g.tasks()) {
            for (PortSpec p : t.ports()) {
                if (!p.isDynamic()) {
                    env.put(PortSpec.envName(p.name()), Integer.toString(p.port()));
                }
            }
        }
        return env;
    }

    private static final String RESOURCES_FIXED = "Marathon keeps a resident service's (one with persistent volumes) resources and host "
            + "ports as they were created (state/AppDefinition.residentUpdateIsValid, api/v2/validation/PodsValidation.residentUpdateIsValid, "
            + "v1.10.26: \"Services with persistent volumes configured may not change resource requirements. If you need to make this "
            + "change, please create a new service.\"); deploy the change as a new job or group (its volumes start empty)";
    private static final String VOLUMES_FIXED = "Marathon does not add, remove or resize the persistent volumes of a running app or pod "
            + "(state/AppDefinition.residentUpdateIsValid, v1.10.26: \"Persistent volumes can not be changed!\"; PodsValidation: "
            + "\"persistent volumes cannot be updated\"); deploy the change as a new job or group (its volumes start empty)";

    /**
     * What Marathon refuses to change when the app or pod {@code live} becomes {@code desired} (group {@code gi} of
     * {@code spec}), both or either resident (with persistent volumes; Marathon checks the update when
     * {@code last.isResident || app.isResident}: {@code updateIsValid}): an app's cpus, mem, disk, gpus, requirePorts, host
     * ports and persistent volumes ({@code state/AppDefinition.residentUpdateIsValid}, v1.10.26), a pod's total cpus, mem,
     * disk, gpus, set of host ports and persistent volumes ({@code PodsValidation.residentUpdateIsValid}). One entry per
     * spec field, for {@code plan} to list and {@code deploy} to refuse before anything is sent. Empty when nothing is.
     */
    public static List<Unsupported> residentChanges(JobSpec spec, int gi, JsonNode desired,
            JsonNode live) {
        List<Unsupported> out = new ArrayList<>();
        if (isPod(desired) != isPod(live)) {
            return out;
        }
        boolean pod = isPod(desired);
        Map<String, JsonNode> was = persistentVolumes(live, pod);
        Map<String, JsonNode> will = persistentVolumes(desired, pod);
        if (was.isEmpty() && will.isEmpty()) {
            return out;
        }
        String gp = "groups[" + gi + "]";
        GroupSpec g = spec.groups().get(gi);
        if (pod) {
            podResourceChanges(g, gp, desired, live, out);
        } else {
            appResourceChanges(gp, desired, live, out);
        }
        will.forEach((name, v) -> {
            int k = volumeIndex(spec, name);
            JsonNode before = was.get(name);
            if (before == null) {
                out.add(new Unsupported("volumes[" + k + "]", "adding persistent volume " + name + " to a running " + (pod ? "pod" : "app"),
                        PLATFORM, VOLUMES_FIXED, false));
            } else if (!before.equals(v)) {
                out.add(new Unsupported("volumes[" + k + "].size", "resizing persistent volume " + name, PLATFORM, VOLUMES_FIXED, false));
            }
        });
        was.keySet().stream().filter(name -> !will.containsKey(name)).forEach(name -> out.add(new Unsupported(gp + ".tasks",
                "removing persistent volume " + name + " from a running " + (pod ? "pod" : "app"), PLATFORM, VOLUMES_FIXED, false)));
        return out;
    }

    private static int volumeIndex(JobSpec spec, String name) {
        for (int i = 0; i < spec.volumes().size(); i++) {
            if (spec.volumes().get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * An app's persistent volumes by container path (AppDefinition.persistentVolumesWithMounts, compared by mount path), a
     * pod's by name; each as what Marathon compares and Baton sets: mode, and the persistent type (default root) and size.
     */
    private static Map<String, JsonNode> persistentVolumes(JsonNode def,
            boolean pod) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (JsonNode v : pod ? def.path("volumes") : def.path("container").path("volumes")) {
            if (v.has("persistent")) {
                ObjectNode key = JSON.createObjectNode();
                key.put("mode", v.path("mode").asText("RW"));
                key.put("type", v.path("persistent").path("type").asText("root"));
                key.put("size", v.path("persistent").path("size").asLong());
                out.put(pod ? v.path("name").asText() : v.path("containerPath").asText(), key);
            }
        }
        return out;
    }

    private static void appResourceChanges(String gp, JsonNode desired,
            JsonNode live, List<Unsupported> out) {
        String tp = gp + ".tasks[0]";
        // the RAML App defaults where a field is absent: cpus 1, mem 128, disk 0, gpus 0, requirePorts false
        if (live.path("cpus").asDouble(1) != desired.path("cpus").asDouble(1)) {
            out.add(new Unsupported(tp + ".resources.cpu", "a cpu change of an app with persistent volumes", PLATFORM, RESOURCES_FIXED, false));
        }
        if (live.path("mem").asDouble(128) != desired.path("mem").asDouble(128)) {
            out.add(new Unsupported(tp + ".resources.memory", "a memory change of an app with persistent volumes", PLATFORM, RESOURCES_FIXED,
                    false));
        }
        for (String r : List.of("disk", "gpus")) {
            if (live.path(r).asDouble(0) != desired.path(r).asDouble(0)) {
                out.add(new Unsupported(gp, "a " + r + " change of an app with persistent volumes", PLATFORM, RESOURCES_FIXED, false));
            }
        }
        if (live.path("requirePorts").asBoolean(false) != desired.path("requirePorts").asBoolean(false)
                || !servicePorts(live, desired).equals(servicePorts(live, live))) {
            out.add(new Unsupported(tp + ".ports", "a port change of an app with persistent volumes", PLATFORM,
                    RESOURCES_FIXED.replace("resource requirements", "host ports"), false));
        }
    }

    private static List<Integer> ports(JsonNode app) {
        List<Integer> out = new ArrayList<>();
        app.path("portDefinitions").forEach(p -> out.add(p.path("port").asInt(0)));
        return out;
    }

    /**
     * The host ports Marathon compares for an app ({@code AppDefinition.hostPorts}: its service ports) once {@code to}
     * replaces {@code from}: {@code core/group/impl/AssignDynamicServiceLogic.assignPorts} (v1.10.26) gives each port
     * {@code 0} of {@code to} the next of {@code from}'s service ports in the service port range (10000 to 20000,
     * {@code --local_port_min}/{@code --local_port_max}) that {@code to} does not name, then a new one. A {@code 0} in
     * {@code from} (as a definition read back before Marathon assigned it) stands for a distinct assigned port.
     */
    static java.util.Set<Integer> servicePorts(JsonNode from, JsonNode to) {
        List<Integer> previous = new ArrayList<>();
        int assigned = 0;
        for (int p : ports(from)) {
            previous.add(p == 0 ? -(++assigned) : p);
        }
        if (from == to) {
            return new java.util.HashSet<>(previous);
        }
        List<Integer> next = ports(to);
        java.util.Iterator<Integer> free = previous.stream().filter(p -> (p < 0 || (p >= 10_000 && p <= 20_000)) && !next.contains(p))
                .toList().iterator();
        int fresh = 100_000;
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (int p : next) {
            out.add(p != 0 ? p : free.hasNext() ? free.next() : fresh++);
        }
        return out;
    }

    private static void podResourceChanges(GroupSpec g, String gp, JsonNode desired,
            JsonNode live, List<Unsupported> out) {
        // PodDefinition.resources: the sum over the containers (the executor's share is the same on both sides)
        for (String[] r : new String[][] {{"cpus", "cpu"}, {"mem", "memory"}, {"disk", null}, {"gpus", null}}) {
            if (Math.abs(podTotal(live, r[0]) - podTotal(desired, r[0])) < 1e-9) {
                continue;
            }
            int before = out.size();
            for (int ti = 0; ti < g.tasks().size() && r[1] != null; ti++) {
                JsonNode was = container(live, g.tasks().get(ti).name());
                if (was == null || was.path("resources").path(r[0]).asDouble(0) != container(desired, g.tasks().get(ti).name())
                        .path("resources").path(r[0]).asDouble(0)) {
                    out.add(new Unsupported(gp + ".tasks[" + ti + "].resources." + r[1], "a " + r[1] + " change of a pod with persistent volumes",
                            PLATFORM, RESOURCES_FIXED, false));
                }
            }
            if (out.size() == before) {
                out.add(new Unsupported(gp + ".tasks", "a " + r[0] + " change of a pod with persistent volumes", PLATFORM, RESOURCES_FIXED, false));
            }
        }
        // PodsValidation: "host ports cannot be updated if a pod has persistent volumes" (the set of endpoints' hostPorts)
        if (!podHostPorts(live, null).equals(podHostPorts(desired, null))) {
            int before = out.size();
            for (int ti = 0; ti < g.tasks().size(); ti++) {
                String name = g.tasks().get(ti).name();
                if (!podHostPorts(live, name).equals(podHostPorts(desired, name))) {
                    out.add(new Unsupported(gp + ".tasks[" + ti + "].ports", "a port change of a pod with persistent volumes", PLATFORM,
                            RESOURCES_FIXED.replace("resource requirements", "host ports"), false));
                }
            }
            if (out.size() == before) {
                out.add(new Unsupported(gp + ".tasks", "a port change of a pod with persistent volumes", PLATFORM,
                        RESOURCES_FIXED.replace("resource requirements", "host ports"), false));
            }
        }
    }

    private static JsonNode container(JsonNode pod, String name) {
        for (JsonNode c : pod.path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static double podTotal(JsonNode pod, String resource) {
        double sum = 0;
        for (JsonNode c : pod.path("containers")) {
            sum += c.path("resources").path(resource).asDouble(0);
        }
        return sum;
    }

    /** The host ports of a pod's endpoints (of container {@code name} only, when not null). */
    private static java.util.Set<Integer> podHostPorts(JsonNode pod, String name) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (JsonNode c : pod.path("containers")) {
            if (name == null || c.path("name").asText().equals(name)) {
                c.path("endpoints").forEach(e -> out.add(e.path("hostPort").asInt(0)));
            }
        }
        return out;
    }

    static String attribute(String portable) {
        return switch (portable) {
            case Constraint.HOSTNAME -> "hostname";
            case Constraint.OS -> "os";
            case Constraint.ARCH -> "arch";
            default -> portable.substring(Constraint.LABEL_PREFIX.length());
        };
    }

    private static ObjectNode app(JobSpec spec, String namespace, GroupSpec g, String version, String specJson) {
        TaskSpec t = g.tasks().get(0);
        ObjectNode a = JSON.createObjectNode();
        a.put("id", appId(namespace, spec.name(), g.name()));
        a.put("instances", g.countOrDefault());
        if (t.resources() != null && t.resources().cpu() != null) {
            a.put("cpus", t.resources().cpu().cores());
        }
        if (t.resources() != null && t.resources().memory() != null) {
            a.put("mem", (double) t.resources().memory().mebibytesCeil());
        }
        List<String> args = new ArrayList<>(t.command());
        args.addAll(t.args());
        if (t.kind() == TaskKind.CONTAINER || !t.volumes().isEmpty()) {
            ObjectNode c = a.putObject("container");
            c.put("type", "MESOS");
            if (t.kind() == TaskKind.CONTAINER) {
                c.putObject("docker").put("image", t.image());
            }
            volumes(spec, t, c);
        }
        if (!t.volumes().isEmpty()) {
            // a resident app (persistent volumes): from Marathon 1.9 it cannot have the role "*" (state/AppDefinition
            // .validWithRoleEnforcement, v1.10.26: "Resident apps cannot have the role *"), which an app without a role gets
            // (--mesos_role's default); the role of its top-level group is always allowed (util/RoleSettings.forService)
            a.put("role", topLevelRole(a.path("id").asText()));
        }
        if (t.kind() == TaskKind.CONTAINER) {
            if (!t.args().isEmpty()) {
                ArrayNode av = a.putArray("args");
                t.args().forEach(av::add);
            }
        } else if (a.has("container") || !portExports(t, "PORT").isEmpty()) {
            // mesos/TaskBuilder.commandInfo (v1.10.26) takes the executable from args[0] only "if
            // (runSpec.container.isEmpty)": with a container (here the MESOS one holding the volumes) and args the task
            // has no executable and the Mesos command executor aborts ("Executable of task ... is not specified",
            // Mesos src/launcher/executor.cpp). And Marathon names a port's variable PORT_<NAME> with the name only
            // upper-cased (mesos/EnvironmentHelper.portsEnv: s"PORT_${portName.toUpperCase}"), so PORT_ADMIN-HTTP, which no
            // shell can read; the spec promises PORT_ADMIN_HTTP. Both need Marathon's shell form: cmd, run with sh -c,
            // which exports the spec's names from Marathon's PORT<index> and execs the command, its words quoted.
            a.put("cmd", portExports(t, "PORT") + "exec " + shell(args));
        } else {
            ArrayNode av = a.putArray("args");
            args.forEach(av::add);
        }
        ObjectNode env = a.putObject("env");
        // PORT_<NAME> of the group's fixed ports, then the spec's own variables (which keep their value); Marathon puts
        // the app's env after its own port variables (mesos/TaskBuilder.commandInfo), with the same number for a fixed port
        fixedPortEnv(g).forEach(env::put);
        t.env().forEach(env::put);
        if (env.isEmpty()) {
            a.remove("env");
        }
        ObjectNode labels = a.putObject("labels");
        spec.labels().forEach(labels::put);
        labels.put(SpecVersion.JOB_LABEL, spec.name());
        labels.put(SpecVersion.GROUP_LABEL, g.name());
        labels.put(SpecVersion.LABEL, version);
        labels.put(SPEC_LABEL, specJson);
        if (!t.ports().isEmpty()) {
            ArrayNode pd = a.putArray("portDefinitions");
            boolean fixed = false;
            for (PortSpec p : t.ports()) {
                pd.addObject().put("port", p.isDynamic() ? 0 : p.port()).put("name", p.name()).put("protocol", p.protocol().id());
                fixed |= !p.isDynamic();
            }
            if (fixed) {
                a.put("requirePorts", true);
            }
        }
        if (!t.health().isEmpty()) {
            ArrayNode hcs = a.putArray("healthChecks");
            for (HealthCheck h : t.health()) {
                ObjectNode hc = hcs.addObject();
                if (h instanceof HealthCheck.Http http) {
                    hc.put("protocol", "MESOS_HTTP").put("path", http.path()).put("portIndex", portIndex(t, http.port()));
                } else if (h instanceof HealthCheck.Tcp tcp) {
                    hc.put("protocol", "MESOS_TCP").put("portIndex", portIndex(t, tcp.port()));
                } else if (h instanceof HealthCheck.Exec exec) {
                    hc.put("protocol", "COMMAND").putObject("command").put("value", shell(exec.command()));
                }
                hc.put("gracePeriodSeconds", seconds(h.timing().gracePeriod()));
                hc.put("intervalSeconds", Math.max(1, seconds(h.timing().interval())));
                hc.put("timeoutSeconds", Math.max(1, seconds(h.timing().timeout())));
                hc.put("maxConsecutiveFailures", h.timing().retries());
            }
        }
        ObjectNode upgrade = upgrade(spec.update(), g.countOrDefault(), !t.volumes().isEmpty());
        if (upgrade != null) {
            a.set("upgradeStrategy", upgrade);
        }
        if (g.restart() != null && g.restart().delay() != null) {
            a.put("backoffSeconds", Math.max(1, seconds(g.restart().delay())));
        }
        if (spec.placement() != null) {
            ArrayNode cs = JSON.createArrayNode();
            for (String[] c : constraints(spec.placement())) {
                ArrayNode k = cs.addArray().add(c[0]).add(c[1]);
                if (c[2] != null) {
                    k.add(c[2]);
                }
            }
            if (!cs.isEmpty()) {
                a.set("constraints", cs);
            }
        }
        return a;
    }

    /**
     * Persistent local volumes: one {@code persistent} volume per mount, at the relative container path of the volume's
     * name (Marathon creates it in the task's sandbox, sized in MiB, and pins the instance to the agent that holds it),
     * and a host-path volume that mounts it at the mount path (always absolute in the spec), read-only when asked, as
     * Marathon's documentation shows for container images. No {@code residency} block is sent: the RAML marks it deprecated and without effect,
     * though the v1.7 JSON schema still lists it.
     */
    private static void volumes(JobSpec spec, TaskSpec t, ObjectNode container) {
        if (t.volumes().isEmpty()) {
            return;
        }
        ArrayNode vs = container.putArray("volumes");
        for (VolumeMount m : t.volumes()) {
            VolumeSpec v = spec.volumes().stream().filter(x -> x.name().equals(m.volume())).findFirst().orElseThrow();
            ObjectNode p = vs.addObject();
            p.put("containerPath", m.volume());
            p.put("mode", "RW");
            p.putObject("persistent").put("type", "root").put("size", v.size().mebibytesCeil());
            vs.addObject().put("containerPath", m.mountPath()).put("hostPath", m.volume()).put("mode", m.readOnly() ? "RO" : "RW");
        }
    }

    /**
     * The upgrade strategy of an app ({@code upgradeStrategy}) or pod ({@code scheduling.upgrade}), which have the same
     * fields; null when the spec has no update policy and no volume pins the instances.
     */
    static ObjectNode upgrade(UpdatePolicy u, int count, boolean resident) {
        int n = Math.max(1, count);
        ObjectNode us = JSON.createObjectNode();
        if (resident) {
            // an instance holds its volume's reservation on its agent: no replacement starts beside it. Marathon v1.10.26
            // requires maximumOverCapacity 0 for resident apps and pods (state/UpgradeStrategy.validForResidentTasks,
            // api/v2/validation/SchedulingValidation.validForResidentPods; minimumHealthCapacity only between 0 and 1) and
            // defaults to 0.5 / 0 (UpgradeStrategy.forResidentTasks); a rolling update stops parallelism instances at a time
            double keep = u == null ? 0.5 : u.strategy() == dev.baton.model.UpdateStrategy.RECREATE ? 0.0
                    : Math.max(0.0, (double) (n - u.parallelismOrDefault()) / n);
            return us.put("minimumHealthCapacity", keep).put("maximumOverCapacity", 0.0);
        }
        if (u == null) {
            return null;
        }
        if (u.strategy() == dev.baton.model.UpdateStrategy.RECREATE) {
            return us.put("minimumHealthCapacity", 0.0).put("maximumOverCapacity", 0.0);
        }
        // start-first: up to parallelism new instances above the count, none of the old ones stopped early
        return us.put("minimumHealthCapacity", 1.0).put("maximumOverCapacity", Math.min(1.0, (double) u.parallelismOrDefault() / n));
    }

    /**
     * The placement as Marathon constraints, each {@code {field, operator, value or null}}: apps write them as arrays,
     * pods as {@code {fieldName, operator, value}} objects.
     */
    static List<String[]> constraints(dev.baton.model.PlacementPolicy placement) {
        List<String[]> out = new ArrayList<>();
        if (placement.distinctHosts()) {
            out.add(new String[] {"hostname", "UNIQUE", null});
        }
        if (placement.spread() != null) {
            out.add(new String[] {attribute(placement.spread()), "GROUP_BY", null});
        }
        for (Constraint c : placement.constraints()) {
            String attr = attribute(c.attribute());
            out.add(switch (c.operator()) {
                case EQUAL -> new String[] {attr, "CLUSTER", c.value()};
                case NOT_EQUAL -> new String[] {attr, "UNLIKE", regex(List.of(c.value()))};
                case IN -> new String[] {attr, "LIKE", regex(c.values())};
                case NOT_IN -> new String[] {attr, "UNLIKE", regex(c.values())};
                case EXISTS -> new String[] {attr, "LIKE", ".*"};
                default -> throw new IllegalStateException("refused before translation: " + c.operator());
            });
        }
        return out;
    }

    static String regex(List<String> values) {
        return String.join("|", values.stream().map(v -> v.replaceAll("([\\\\.\\[\\]{}()*+?^$|])", "\\\\$1")).toList());
    }

    private static int portIndex(TaskSpec t, String port) {
        for (int i = 0; i < t.ports().size(); i++) {
            if (t.ports().get(i).name().equals(port)) {
                return i;
            }
        }
        return 0;
    }

    /**
     * The shell statements that export the spec's {@code PORT_<NAME>} for each dynamic port whose name Marathon does not
     * give in that form (a name with {@code -}), from the variable Marathon sets for the port's index ({@code prefix} +
     * index: {@code PORT0}, {@code PORT1}, … for apps, {@code mesos/EnvironmentHelper.portsEnv}); empty when Marathon's
     * own names are the spec's. A fixed port's variable is in the app's env ({@link #fixedPortEnv}).
     */
    static String portExports(TaskSpec t, String prefix) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < t.ports().size(); i++) {
            String name = t.ports().get(i).name();
            String marathons = "PORT_" + name.toUpperCase(java.util.Locale.ROOT);
            if (t.ports().get(i).isDynamic() && !marathons.equals(PortSpec.envName(name))) {
                out.append("export ").append(PortSpec.envName(name)).append("=\"$").append(prefix).append(i).append("\"; ");
            }
        }
        return out.toString();
    }

    /**
     * The role a resident app or pod runs under: its top-level group's, which Marathon always allows for a service below
     * the root group (util/RoleSettings.forService, v1.10.26: validRoles include {@code topLevelGroupRole}, with or
     * without {@code enforceRole}).
     */
    static String topLevelRole(String id) {
        return id.substring(1).split("/")[0];
    }

    static String shell(List<String> command) {
        return String.join(" ", command.stream().map(s -> s.matches("[A-Za-z0-9_./:=@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'").toList());
    }

    static int seconds(java.time.Duration d) {
        return (int) ((d.toMillis() + 999) / 1000);
    }
}
