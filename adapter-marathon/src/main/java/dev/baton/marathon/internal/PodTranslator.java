package dev.baton.marathon.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Unsupported;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.TaskKind;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.spi.SpecVersion;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A group with several tasks as a Marathon pod ({@code /v2/pods}, RAML type {@code Pod}): one container per task,
 * sharing the instance's host network ({@code networks: [{mode: host}]}) and lifecycle. Ports are container
 * {@code endpoints} with a host port ({@code 0} = dynamic); Marathon gives every container {@code EP_HOST_<NAME>} of
 * every endpoint; every container's environment has the spec's {@code PORT_<NAME>} of the group's fixed ports, and a
 * process task's shell command exports those of the group's dynamic ports. Each container has at most
 * one {@code healthCheck} (the RAML's {@code PodContainer.healthCheck} is a single object), so a second check on a task
 * is refused. Volumes are pod-level persistent volumes mounted by name.
 */
final class PodTranslator {
    private PodTranslator() {
    }

    static void refuse(GroupSpec g, String path, List<Unsupported> out) {
        for (int ti = 0; ti < g.tasks().size(); ti++) {
            TaskSpec t = g.tasks().get(ti);
            for (int hi = 1; hi < t.health().size(); hi++) {
                out.add(new Unsupported(path + ".tasks[" + ti + "].health[" + hi + "]", "several health checks on a pod container",
                        AppTranslator.PLATFORM, AppTranslator.ONE_CHECK, false));
            }
            if (!t.health().isEmpty() && timeoutSeconds(t.health().get(0)) >= intervalSeconds(t.health().get(0))) {
                // api/v2/validation/PodsValidation.healthCheckValidator (v1.10.26, v1.7.236): hc.timeoutSeconds should be
                // < hc.intervalSeconds. No faithful mapping: a longer interval or a shorter timeout would be another check
                HealthCheck h = t.health().get(0);
                out.add(new Unsupported(path + ".tasks[" + ti + "].health[0].timeout", "a pod health check timeout (" + timeoutSeconds(h)
                        + "s) not below its interval (" + intervalSeconds(h) + "s)", AppTranslator.PLATFORM,
                        "Marathon requires a pod health check's timeoutSeconds to be less than its intervalSeconds (PodsValidation), both in whole seconds",
                        false));
            }
            if (t.kind() == TaskKind.CONTAINER && !t.command().isEmpty()) {
                out.add(new Unsupported(path + ".tasks[" + ti + "].command", "command on a container task", AppTranslator.PLATFORM,
                        "baton-marathon passes a container's args and keeps its entrypoint, as for apps", false));
            }
        }
    }

    /** A check's interval as sent: whole seconds, rounded up, at least 1. */
    static int intervalSeconds(HealthCheck h) {
        return Math.max(1, AppTranslator.seconds(h.timing().interval()));
    }

    /** A check's timeout as sent: whole seconds, rounded up, at least 1. */
    static int timeoutSeconds(HealthCheck h) {
        return Math.max(1, AppTranslator.seconds(h.timing().timeout()));
    }

    static ObjectNode pod(JobSpec spec, String namespace, GroupSpec g, String version, String specJson) {
        ObjectNode pod = AppTranslator.JSON_NODES.objectNode();
        pod.put("id", AppTranslator.appId(namespace, spec.name(), g.name()));
        ObjectNode labels = pod.putObject("labels");
        spec.labels().forEach(labels::put);
        labels.put(SpecVersion.JOB_LABEL, spec.name());
        labels.put(SpecVersion.GROUP_LABEL, g.name());
        labels.put(SpecVersion.LABEL, version);
        labels.put(AppTranslator.SPEC_LABEL, specJson);

        ArrayNode containers = pod.putArray("containers");
        for (TaskSpec t : g.tasks()) {
            containers.add(container(g, t));
        }
        Set<String> volumes = new LinkedHashSet<>();
        g.tasks().forEach(t -> t.volumes().forEach(m -> volumes.add(m.volume())));
        if (!volumes.isEmpty()) {
            ArrayNode vs = pod.putArray("volumes");
            for (String name : volumes) {
                VolumeSpec v = spec.volumes().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
                vs.addObject().put("name", name).putObject("persistent").put("type", "root").put("size", v.size().mebibytesCeil());
            }
        }
        if (!volumes.isEmpty()) {
            // a resident pod cannot have the role "*" from Marathon 1.9 (api/v2/validation/PodsValidation
            // .validPodDefinitionWithRoleEnforcement, v1.10.26: "Resident pods cannot have the role *"); see AppTranslator
            pod.put("role", AppTranslator.topLevelRole(pod.path("id").asText()));
        }
        pod.putArray("networks").addObject().put("mode", "host");
        pod.putObject("scaling").put("kind", "fixed").put("instances", g.countOrDefault());

        ObjectNode scheduling = pod.putObject("scheduling");
        ObjectNode upgrade = AppTranslator.upgrade(spec.update(), g.countOrDefault(), !volumes.isEmpty());
        if (upgrade != null) {
            scheduling.set("upgrade", upgrade);
        }
        if (g.restart() != null && g.restart().delay() != null) {
            scheduling.putObject("backoff").put("backoff", (double) Math.max(1, AppTranslator.seconds(g.restart().delay())));
        }
        if (spec.placement() != null) {
            ArrayNode cs = AppTranslator.JSON_NODES.arrayNode();
            for (String[] c : AppTranslator.constraints(spec.placement())) {
                ObjectNode k = cs.addObject().put("fieldName", c[0]).put("operator", c[1]);
                if (c[2] != null) {
                    k.put("value", c[2]);
                }
            }
            if (!cs.isEmpty()) {
                scheduling.putObject("placement").set("constraints", cs);
            }
        }
        if (scheduling.isEmpty()) {
            pod.remove("scheduling");
        }
        return pod;
    }

    /**
     * The endpoint's variable in every container of a pod on host networking ({@code mesos/TaskGroupBuilder
     * .endpointEnvVars}, v1.10.26): {@code EP_HOST_} and the name upper-cased, every run of characters other than
     * {@code A-Z0-9_} as one {@code _}.
     */
    static String hostPortVariable(String endpoint) {
        return "EP_HOST_" + endpoint.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]+", "_");
    }

    private static ObjectNode container(GroupSpec g, TaskSpec t) {
        ObjectNode c = AppTranslator.JSON_NODES.objectNode();
        c.put("name", t.name());
        ObjectNode res = c.putObject("resources");
        // PodContainer.resources is required; Marathon's own defaults where the spec is silent
        res.put("cpus", t.resources() != null && t.resources().cpu() != null ? t.resources().cpu().cores() : 1.0);
        res.put("mem", t.resources() != null && t.resources().memory() != null ? (double) t.resources().memory().mebibytesCeil() : 128.0);
        if (t.kind() == TaskKind.CONTAINER) {
            c.putObject("image").put("kind", "DOCKER").put("id", t.image());
            if (!t.args().isEmpty()) {
                ArrayNode argv = c.putObject("exec").putObject("command").putArray("argv");
                t.args().forEach(argv::add);
                ((ObjectNode) c.path("exec")).put("overrideEntrypoint", false);
            }
        } else {
            // PORT_<NAME> of every dynamic port of the group (any container's) from Marathon's EP_HOST_<NAME>, which every
            // container gets for every endpoint; a fixed port's is in the environment
            StringBuilder shell = new StringBuilder();
            for (TaskSpec any : g.tasks()) {
                for (PortSpec p : any.ports()) {
                    if (p.isDynamic()) {
                        shell.append("export ").append(PortSpec.envName(p.name())).append("=\"$").append(hostPortVariable(p.name())).append("\"; ");
                    }
                }
            }
            List<String> argv = new java.util.ArrayList<>(t.command());
            argv.addAll(t.args());
            shell.append("exec ").append(AppTranslator.shell(argv));
            c.putObject("exec").putObject("command").put("shell", shell.toString());
        }
        // PORT_<NAME> of the group's fixed ports, then the task's own variables (which keep their value)
        java.util.Map<String, String> variables = new java.util.LinkedHashMap<>(AppTranslator.fixedPortEnv(g));
        variables.putAll(t.env());
        if (!variables.isEmpty()) {
            ObjectNode env = c.putObject("environment");
            variables.forEach(env::put);
        }
        if (!t.ports().isEmpty()) {
            ArrayNode eps = c.putArray("endpoints");
            for (PortSpec p : t.ports()) {
                ObjectNode e = eps.addObject().put("name", p.name()).put("hostPort", p.isDynamic() ? 0 : p.port());
                e.putArray("protocol").add(p.protocol().id());
            }
        }
        if (!t.health().isEmpty()) {
            HealthCheck h = t.health().get(0);
            ObjectNode hc = c.putObject("healthCheck");
            if (h instanceof HealthCheck.Http http) {
                hc.putObject("http").put("endpoint", http.port()).put("path", http.path()).put("scheme", "HTTP");
            } else if (h instanceof HealthCheck.Tcp tcp) {
                hc.putObject("tcp").put("endpoint", tcp.port());
            } else if (h instanceof HealthCheck.Exec exec) {
                hc.putObject("exec").putObject("command").put("shell", AppTranslator.shell(exec.command()));
            }
            hc.put("gracePeriodSeconds", AppTranslator.seconds(h.timing().gracePeriod()));
            hc.put("intervalSeconds", intervalSeconds(h));
            hc.put("timeoutSeconds", timeoutSeconds(h));
            hc.put("maxConsecutiveFailures", h.timing().retries());
        }
        if (!t.volumes().isEmpty()) {
            ArrayNode ms = c.putArray("volumeMounts");
            for (VolumeMount m : t.volumes()) {
                ms.addObject().put("name", m.volume()).put("mountPath", m.mountPath()).put("readOnly", m.readOnly());
            }
        }
        return c;
    }
}
