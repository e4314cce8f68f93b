package dev.baton.marathon.internal;

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

/**
 * Turns a portable service into Marathon app definitions: one app per group, with the id
 * {@code /[namespace/]<job>/<group>}, so a job is a Marathon group named after it.
 */
public final class AppTranslator {
    public static final String PLATFORM = "marathon";
    public static final String SPEC_LABEL = "baton.dev/spec";
    private static final ObjectMapper JSON = new ObjectMapper();
    static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON_NODES = JSON.getNodeFactory();

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
    public static boolean isPod(com.fasterxml.jackson.databind.JsonNode definition) {
        return definition.has("containers");
    }

    /**
     * One definition per group: an app for a group with one task, a pod ({@code /v2/pods}) for a group with several,
     * whose tasks then share the instance's lifecycle and network as the spec says.
     */
    public static List<ObjectNode> apps(JobSpec spec, String namespace) {
        refuse(spec);
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

    static void refuse(JobSpec spec) {
        List<Unsupported> out = new ArrayList<>();
        for (int gi = 0; gi < spec.groups().size(); gi++) {
            GroupSpec g = spec.groups().get(gi);
            if (g.tasks().size() > 1) {
                PodTranslator.refuse(g, "groups[" + gi + "]", out);
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
        if (!out.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, out);
        }
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
        if (t.kind() == TaskKind.CONTAINER) {
            if (!t.args().isEmpty()) {
                ArrayNode av = a.putArray("args");
                t.args().forEach(av::add);
            }
        } else {
            ArrayNode av = a.putArray("args");
            args.forEach(av::add);
        }
        ObjectNode env = a.putObject("env");
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
            // an instance holds its volume's reservation on its agent: Marathon refuses to start a replacement beside it
            // (maximumOverCapacity must be 0) and to keep more than half the instances during an upgrade
            double keep = u == null ? 0.5 : u.strategy() == dev.baton.model.UpdateStrategy.RECREATE ? 0.0
                    : Math.max(0.0, (double) (n - u.parallelismOrDefault()) / n);
            return us.put("minimumHealthCapacity", Math.min(0.5, keep)).put("maximumOverCapacity", 0.0);
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

    static String shell(List<String> command) {
        return String.join(" ", command.stream().map(s -> s.matches("[A-Za-z0-9_./:=@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'").toList());
    }

    static int seconds(java.time.Duration d) {
        return (int) ((d.toMillis() + 999) / 1000);
    }
}
