package dev.baton.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What Marathon does with an app or pod definition written with {@code PUT}, for {@link MarathonDouble}: the merge of a
 * partial update and the validation rules Baton's translation meets; and, for tests, what an agent runs for a task of a
 * stored definition. Every rule names its source: mesosphere/marathon at tag v1.10.26 unless said otherwise (paths below
 * {@code src/main/scala/mesosphere/}), Apache Mesos at tag 1.9.0, wix accord for the wording of its combinators.
 *
 * <p>Reproduces:
 * <ul>
 * <li>{@code PUT /v2/apps/{id}} merges by default: {@code partialUpdate} defaults to {@code true}
 * ({@code marathon/api/v2/AppsResource.replace}: {@code @DefaultValue("true") @QueryParam("partialUpdate")}); for an
 * existing app the body is an {@code AppUpdate} and every field it leaves out (or sends as {@code null}, which Play reads
 * as absent) keeps its current value, except {@code executorResources} and {@code resourceLimits}, which are taken from
 * the body as they are ({@code marathon/raml/AppConversion.appUpdateRamlReader}, called by
 * {@code AppHelpers.updateOrCreate}); {@code partialUpdate=false}, or a new app, replaces it
 * ({@code AppsResource.update}: {@code CompleteReplacement}).
 * <li>{@code PUT /v2/pods/{id}} always replaces: the body is a whole {@code Pod} ({@code marathon/api/v2/PodsResource.update}
 * has no {@code partialUpdate}).
 * <li>The 422 of a validation failure: {@code {"message": "Object is not valid", "details": [{"path", "errors"}]}}, one
 * entry per path ({@code marathon/api/v2/Validation.failureWrites}, {@code allViolations}: a path is {@code /field},
 * an index {@code (i)}, the object itself {@code /}; {@code MarathonExceptionMapper}: {@code ValidationFailedException}
 * is 422).
 * <li>Apps: {@code cmd} xor {@code args}, or a container ({@code AppValidation.containsCmdArgsOrContainer}); at most one
 * Mesos health check besides {@code COMMAND} checks ({@code AppValidation.haveAtMostOneMesosHealthCheck}; Marathon then
 * hands only the first Mesos check, COMMAND included, to Mesos: {@code mesos/TaskBuilder}, "Mesos supports at most one
 * health check"); the role ({@code state/AppDefinition.validWithRoleEnforcement}).
 * <li>Pods: a health check's {@code timeoutSeconds} below its {@code intervalSeconds}
 * ({@code marathon/api/v2/validation/PodsValidation.healthCheckValidator}: {@code hc.timeoutSeconds should be <
 * hc.intervalSeconds}, RAML defaults 60 and 20); the role ({@code PodsValidation.validPodDefinitionWithRoleEnforcement}).
 * <li>Roles ({@code marathon/util/RoleSettings.forService}): without a role the service gets the default role,
 * {@code --mesos_role}, here {@code *}; allowed are {@code *}, the role named after the top-level group of the service's
 * path (not for a service in the root group), and the role the service has now. A resident service (one with a
 * persistent volume, {@code state/RunSpec.isResident}) cannot have the role {@code *}, and changes its role only with
 * {@code ?force=true}.
 * <li>Resident services cannot change resources, host ports or persistent volumes
 * ({@code state/AppDefinition.residentUpdateIsValid}, {@code PodsValidation.residentUpdateIsValid}), checked when the
 * service has persistent volumes before or after the update ({@code updateIsValid}) by the deployment plan's validator
 * ({@code core/deployment/DeploymentPlan.deploymentPlanValidator}: {@code createdOrUpdatedApps as "app" is every(..)},
 * hence the paths {@code /app(0)…} and {@code /pod(0)…}). An app's host ports are its service ports, which Marathon
 * assigns for each {@code port: 0}, reusing the app's previous ones first
 * ({@code core/group/impl/AssignDynamicServiceLogic}, range {@code --local_port_min} 10000 to {@code --local_port_max}
 * 20000, {@code MarathonConf}); the double keeps {@code 0} in what it stores, so it stands each previous {@code 0} for a
 * port Marathon would have assigned.
 * </ul>
 *
 * <p>Does not reproduce: the rest of Marathon's validation, normalization (defaults are applied where a rule reads them,
 * not stored), rollback by {@code {"version": …}} in a partial update, group role enforcement ({@code enforceRole}).
 */
final class MarathonAppRules {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The definition to store, or the response refusing it. */
    record Admission(ObjectNode definition, ResponseDefinition refusal) {
    }

    /** One rule violation as Marathon reports it. */
    record Violation(String path, String error) {
    }

    /** {@code AppConversion.appUpdateRamlReader}: the body's value when given, else the current app's. */
    static final List<String> KEPT_WHEN_ABSENT = List.of("cmd", "args", "user", "env", "instances", "cpus", "mem", "disk", "gpus",
            "executor", "constraints", "fetch", "portDefinitions", "requirePorts", "backoffFactor", "backoffSeconds",
            "maxLaunchDelaySeconds", "container", "healthChecks", "check", "readinessChecks", "dependencies", "upgradeStrategy",
            "labels", "acceptedResourceRoles", "networks", "residency", "secrets", "taskKillGracePeriodSeconds",
            "unreachableStrategy", "killSelection", "tty", "role");
    /** {@code AppConversion.appUpdateRamlReader}: {@code executorResources = update.executorResources}, same for limits. */
    static final List<String> TAKEN_AS_GIVEN = List.of("executorResources", "resourceLimits");

    static final String RESOURCES_CHANGED = "Services with persistent volumes configured may not change resource requirements. "
            + "If you need to make this change, please create a new service.";
    static final String HOST_PORTS_CHANGED = "Services with persistent volumes configured may not change host ports. "
            + "If you need to make this change, please create a new service.";

    private MarathonAppRules() {
    }

    private static boolean flag(Map<String, List<String>> query, String name, boolean absent) {
        List<String> v = query.get(name);
        // JAX-RS reads a boolean query parameter with Boolean.valueOf
        return v == null || v.isEmpty() ? absent : Boolean.parseBoolean(v.get(0));
    }

    /**
     * {@code PUT /v2/apps/{id}}: the app to store (merged with the current one, {@code versions}' last, unless
     * {@code partialUpdate=false}), or the 422 refusing it.
     */
    static Admission app(String id, List<ObjectNode> versions, ObjectNode body, Map<String, List<String>> query) {
        ObjectNode current = versions == null || versions.isEmpty() ? null : versions.get(versions.size() - 1).deepCopy();
        boolean partial = flag(query, "partialUpdate", true);
        ObjectNode app = current != null && partial ? merge(current, body) : body.deepCopy();
        app.put("id", id);
        List<Violation> violations = validateApp(id, app, current, flag(query, "force", false));
        return violations.isEmpty() ? new Admission(app, null) : new Admission(null, refusal(violations));
    }

    /** {@code PUT /v2/pods/{id}}: the pod replaces the current one ({@code versions}' last, null for a new pod), or the 422. */
    static Admission pod(String id, List<ObjectNode> versions, ObjectNode body, Map<String, List<String>> query) {
        ObjectNode current = versions == null || versions.isEmpty() ? null : versions.get(versions.size() - 1);
        List<Violation> violations = validatePod(id, body, current, flag(query, "force", false));
        return violations.isEmpty() ? new Admission(body.deepCopy(), null) : new Admission(null, refusal(violations));
    }

    /** {@code AppConversion.appUpdateRamlReader}: the update's fields over the current app's. */
    static ObjectNode merge(ObjectNode current, ObjectNode update) {
        ObjectNode out = current.deepCopy();
        TAKEN_AS_GIVEN.forEach(out::remove);
        for (Iterator<Map.Entry<String, JsonNode>> it = update.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isNull() || f.getKey().equals("version") || f.getKey().equals("id")) {
                continue;
            }
            out.set(f.getKey(), f.getValue().deepCopy());
        }
        return out;
    }

    /** {@code Validation.failureWrites}: 422, one detail per path with its errors. */
    static ResponseDefinition refusal(List<Violation> violations) {
        Map<String, List<String>> byPath = new LinkedHashMap<>();
        violations.forEach(v -> byPath.computeIfAbsent(v.path(), k -> new ArrayList<>()).add(v.error()));
        ObjectNode body = JSON.createObjectNode().put("message", "Object is not valid");
        ArrayNode details = body.putArray("details");
        byPath.forEach((path, errors) -> {
            ObjectNode d = details.addObject().put("path", path);
            errors.forEach(d.putArray("errors")::add);
        });
        return ResponseDefinitionBuilder.responseDefinition().withStatus(422).withHeader("Content-Type", "application/json")
                .withBody(body.toString()).build();
    }

    static List<Violation> validateApp(String id, JsonNode app, JsonNode current, boolean force) {
        List<Violation> out = new ArrayList<>();
        // AppValidation.containsCmdArgsOrContainer: (cmd ^ args) || (!(cmd && args) && container); a container counts
        // when it is MESOS (with or without an image) or DOCKER with a docker image; its type defaults to DOCKER (RAML)
        boolean cmd = !app.path("cmd").asText("").isEmpty();
        boolean args = app.path("args").size() > 0;
        JsonNode c = app.path("container");
        String type = c.path("type").asText("DOCKER");
        boolean container = c.isObject() && (type.equals("MESOS") || c.has("docker"));
        if (!((cmd ^ args) || (!(cmd && args) && container))) {
            out.add(new Violation("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."));
        }
        // AppValidation.haveAtMostOneMesosHealthCheck: Mesos checks (COMMAND, MESOS_HTTP, MESOS_HTTPS, MESOS_TCP, or any
        // with a command) less the command ones; protocol defaults to HTTP (RAML AppHealthCheck)
        int mesos = 0;
        int command = 0;
        for (JsonNode h : app.path("healthChecks")) {
            boolean hasCommand = h.hasNonNull("command");
            command += hasCommand ? 1 : 0;
            mesos += hasCommand || Set.of("COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP").contains(h.path("protocol").asText("HTTP")) ? 1 : 0;
        }
        if (mesos - command > 1) {
            out.add(new Violation("/", "AppDefinition can contain at most one Mesos health check"));
        }
        out.addAll(role(id, app, current, force, appResident(app), "apps"));
        if (current != null && (appResident(current) || appResident(app))) {
            out.addAll(residentAppUpdate(current, app));
        }
        return out;
    }

    static List<Violation> validatePod(String id, JsonNode pod, JsonNode current, boolean force) {
        List<Violation> out = new ArrayList<>();
        JsonNode containers = pod.path("containers");
        for (int i = 0; i < containers.size(); i++) {
            JsonNode hc = containers.get(i).path("healthCheck");
            if (hc.isObject()) {
                // PodsValidation.healthCheckValidator: hc.timeoutSeconds should be < hc.intervalSeconds (RAML defaults
                // 20 and 60); accord's LesserThan says "got 1, expected less than 1"
                int interval = hc.path("intervalSeconds").asInt(60);
                int timeout = hc.path("timeoutSeconds").asInt(20);
                if (timeout >= interval) {
                    out.add(new Violation("/containers(" + i + ")/healthCheck/timeoutSeconds", "got " + timeout + ", expected less than " + interval));
                }
            }
        }
        out.addAll(role(id, pod, current, force, podResident(pod), "pods"));
        if (current != null && (podResident(current) || podResident(pod))) {
            out.addAll(residentPodUpdate(current, pod));
        }
        return out;
    }

    /**
     * The role rules ({@code RoleSettings.forService}, {@code AppDefinition.validWithRoleEnforcement},
     * {@code PodsValidation.validPodDefinitionWithRoleEnforcement}) for a service outside any group that enforces its role.
     */
    private static List<Violation> role(String id, JsonNode def, JsonNode current, boolean force, boolean resident, String kind) {
        List<Violation> out = new ArrayList<>();
        String defaultRole = "*";
        String role = def.path("role").asText(defaultRole);
        String[] segments = id.substring(1).split("/");
        Set<String> valid = new LinkedHashSet<>();
        valid.add(defaultRole);
        if (segments.length > 1) {
            // servicePathId.rootPath.root: the top-level group's name
            valid.add(segments[0]);
        }
        String previous = current == null ? null : current.path("role").asText(defaultRole);
        if (previous != null) {
            valid.add(previous);
        }
        if (!valid.contains(role)) {
            // accord's `in`: "got X, expected one of: [a, b]"
            out.add(new Violation("/role", "got " + role + ", expected one of: [" + String.join(", ", valid) + "]"));
        }
        if (resident && role.equals("*")) {
            out.add(new Violation("/role", "Resident " + kind + " cannot have the role *"));
        }
        if (resident && previous != null && !previous.equals(role) && !force) {
            out.add(new Violation("/role", "It is not possible to change the role for existing reservations. If you proceed with this change, "
                    + "all existing instances will continue to run under the previous role, " + previous + ". Only new instances will be "
                    + "allocated with the new role, " + role + ". In order to continue, retry your request with ?force=true"));
        }
        return out;
    }

    /** The persistent volumes of an app: {@code container.volumes} with {@code persistent} ({@code persistentVolumesWithMounts}). */
    static List<JsonNode> persistentVolumes(JsonNode app) {
        List<JsonNode> out = new ArrayList<>();
        app.path("container").path("volumes").forEach(v -> {
            if (v.has("persistent")) {
                out.add(v);
            }
        });
        return out;
    }

    static boolean appResident(JsonNode app) {
        return !persistentVolumes(app).isEmpty();
    }

    static boolean podResident(JsonNode pod) {
        for (JsonNode v : pod.path("volumes")) {
            if (v.has("persistent")) {
                return true;
            }
        }
        return false;
    }

    /** {@code AppDefinition.residentUpdateIsValid}, as the deployment plan reports it (the first updated app). */
    private static List<Violation> residentAppUpdate(JsonNode from, JsonNode to) {
        List<Violation> out = new ArrayList<>();
        List<JsonNode> fromVolumes = persistentVolumes(from);
        List<JsonNode> toVolumes = persistentVolumes(to);
        boolean same = fromVolumes.size() == toVolumes.size() && fromVolumes.stream().allMatch(f -> toVolumes.stream()
                .filter(t -> t.path("containerPath").equals(f.path("containerPath"))).findFirst().map(f::equals).orElse(false));
        if (!same) {
            out.add(new Violation("/app(0)", "Persistent volumes can not be changed!"));
        }
        // RAML App defaults: cpus 1, mem 128, disk 0, gpus 0, requirePorts false
        Map<String, Double> defaults = Map.of("cpus", 1.0, "mem", 128.0, "disk", 0.0, "gpus", 0.0);
        for (String r : List.of("cpus", "mem", "disk", "gpus")) {
            if (from.path(r).asDouble(defaults.get(r)) != to.path(r).asDouble(defaults.get(r))) {
                out.add(new Violation("/app(0)/" + r, RESOURCES_CHANGED));
            }
        }
        if (from.path("requirePorts").asBoolean(false) != to.path("requirePorts").asBoolean(false)) {
            out.add(new Violation("/app(0)/requirePorts", RESOURCES_CHANGED));
        }
        if (!servicePorts(from, to).equals(servicePorts(from, from))) {
            out.add(new Violation("/app(0)", HOST_PORTS_CHANGED));
        }
        return out;
    }

    private static List<Integer> ports(JsonNode app) {
        List<Integer> out = new ArrayList<>();
        app.path("portDefinitions").forEach(p -> out.add(p.path("port").asInt(0)));
        return out;
    }

    /**
     * The set of service ports (an app's host ports, {@code AppDefinition.hostPorts}) {@code to} gets when it replaces
     * {@code from}: {@code AssignDynamicServiceLogic.assignPorts} gives each {@code 0} the next of {@code from}'s service
     * ports that lie in the service port range and that {@code to} does not name, then fresh ones. {@code from}'s own
     * {@code 0}s, which the double stores as given, stand for the distinct ports Marathon assigned them (negative here).
     */
    static Set<Integer> servicePorts(JsonNode from, JsonNode to) {
        List<Integer> previous = new ArrayList<>();
        int assigned = 0;
        for (int p : ports(from)) {
            previous.add(p == 0 ? -(++assigned) : p);
        }
        if (from == to) {
            return new HashSet<>(previous);
        }
        List<Integer> next = ports(to);
        List<Integer> available = new ArrayList<>();
        for (int p : previous) {
            if ((p < 0 || (p >= 10_000 && p <= 20_000)) && !next.contains(p)) {
                available.add(p);
            }
        }
        Iterator<Integer> free = available.iterator();
        int fresh = 100_000;
        Set<Integer> out = new HashSet<>();
        for (int p : next) {
            out.add(p != 0 ? p : free.hasNext() ? free.next() : fresh++);
        }
        return out;
    }

    /** {@code PodsValidation.residentUpdateIsValid}, as the deployment plan reports it (the first updated pod). */
    private static List<Violation> residentPodUpdate(JsonNode from, JsonNode to) {
        List<Violation> out = new ArrayList<>();
        Map<String, JsonNode> fromVolumes = podPersistentVolumes(from);
        Map<String, JsonNode> toVolumes = podPersistentVolumes(to);
        boolean same = fromVolumes.size() == toVolumes.size()
                && fromVolumes.entrySet().stream().allMatch(e -> e.getValue().equals(toVolumes.get(e.getKey())));
        if (!same) {
            out.add(new Violation("/pod(0)", "persistent volumes cannot be updated"));
        }
        // PodDefinition.resources: the sum over the containers (plus the executor's, the same on both sides)
        Map<String, String> messages = new LinkedHashMap<>();
        messages.put("cpus", "cpus cannot be updated if a pod has persistent volumes");
        messages.put("mem", "mem cannot be updated if a pod has persistent volumes");
        messages.put("disk", "disk cannot be updated if a pod has persistent volumes");
        messages.put("gpus", "gpus cannot be updated if a pod has persistent volumes");
        Map<String, Double> defaults = Map.of("cpus", 0.0, "mem", 0.0, "disk", 0.0, "gpus", 0.0);
        messages.forEach((r, message) -> {
            if (Math.abs(podTotal(from, r, defaults.get(r)) - podTotal(to, r, defaults.get(r))) > 1e-9) {
                out.add(new Violation("/pod(0)", message));
            }
        });
        if (!podHostPorts(from).equals(podHostPorts(to))) {
            out.add(new Violation("/pod(0)", "host ports cannot be updated if a pod has persistent volumes"));
        }
        return out;
    }

    private static Map<String, JsonNode> podPersistentVolumes(JsonNode pod) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        pod.path("volumes").forEach(v -> {
            if (v.has("persistent")) {
                out.put(v.path("name").asText(), v);
            }
        });
        return out;
    }

    private static double podTotal(JsonNode pod, String resource, double absent) {
        double sum = 0;
        for (JsonNode c : pod.path("containers")) {
            sum += c.path("resources").path(resource).asDouble(absent);
        }
        return sum;
    }

    private static Set<Integer> podHostPorts(JsonNode pod) {
        Set<Integer> out = new HashSet<>();
        pod.path("containers").forEach(c -> c.path("endpoints").forEach(e -> {
            if (e.has("hostPort")) {
                out.add(e.path("hostPort").asInt());
            }
        }));
        return out;
    }

    // ---- what an agent runs (tests only) ----

    /**
     * The command an agent runs for a task of {@code app}, as {@code execvp} arguments: {@code mesos/TaskBuilder.commandInfo}
     * builds the task's {@code CommandInfo} — {@code cmd} as a shell command, else {@code shell: false}; {@code args} as its
     * arguments, and as its executable ({@code value}) {@code args[0]} "if (runSpec.container.isEmpty)" only — and the Mesos
     * command executor runs a shell command with {@code sh -c} and otherwise {@code execvp(value, arguments)}, after
     * {@code CHECK(command.has_value()) << "Executable of task '…' is not specified"}, which aborts the executor when
     * there is no value (Apache Mesos 1.9.0, {@code src/launcher/executor.cpp}). Container images are not modelled
     * (their entrypoint would supply the value: {@code isolators/docker/runtime.cpp}).
     */
    static List<String> appArgv(JsonNode app) {
        String value = null;
        boolean shell = true;
        List<String> arguments = new ArrayList<>();
        String cmd = app.path("cmd").asText("");
        if (!cmd.isEmpty()) {
            value = cmd;
        } else {
            shell = false;
        }
        if (app.path("args").size() > 0) {
            shell = false;
            app.path("args").forEach(a -> arguments.add(a.asText()));
            if (!app.has("container")) {
                value = arguments.get(0);
            }
        }
        if (value == null) {
            throw new IllegalStateException("Executable of task '" + app.path("id").asText() + "' is not specified");
        }
        if (shell) {
            return List.of("/bin/sh", "-c", value);
        }
        List<String> argv = new ArrayList<>();
        argv.add(value);
        if (arguments.size() > 1) {
            argv.addAll(arguments.subList(1, arguments.size()));
        }
        return argv;
    }

    /**
     * The environment Marathon gives a task of {@code app} whose host ports are {@code hostPorts}, for host networking:
     * {@code mesos/EnvironmentHelper.portsEnv} ({@code PORT<index>}, {@code PORT_<requested or assigned port>},
     * {@code PORT_<NAME>} with the name upper-cased and nothing else changed, {@code PORT}, {@code PORTS}), {@code HOST},
     * then the app's {@code env} ({@code TaskBuilder.commandInfo}).
     */
    static Map<String, String> appEnv(JsonNode app, List<Integer> hostPorts) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode defs = app.path("portDefinitions");
        for (int i = 0; i < hostPorts.size(); i++) {
            env.put("PORT" + i, hostPorts.get(i).toString());
        }
        for (int i = 0; i < hostPorts.size() && i < defs.size(); i++) {
            int requested = defs.get(i).path("port").asInt(0);
            env.put("PORT_" + (requested != 0 ? requested : hostPorts.get(i)), hostPorts.get(i).toString());
        }
        for (int i = 0; i < hostPorts.size() && i < defs.size(); i++) {
            if (defs.get(i).hasNonNull("name")) {
                env.put("PORT_" + defs.get(i).path("name").asText().toUpperCase(Locale.ROOT), hostPorts.get(i).toString());
            }
        }
        if (!hostPorts.isEmpty()) {
            env.put("PORT", hostPorts.get(0).toString());
            env.put("PORTS", String.join(",", hostPorts.stream().map(String::valueOf).toList()));
        }
        env.put("HOST", "127.0.0.1");
        app.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    /** The command an agent runs for container {@code name} of a pod: {@code exec.command.shell} with {@code sh -c}. */
    static List<String> podArgv(JsonNode pod, String name) {
        JsonNode command = container(pod, name).path("exec").path("command");
        if (command.has("shell")) {
            return List.of("/bin/sh", "-c", command.path("shell").asText());
        }
        List<String> argv = new ArrayList<>();
        command.path("argv").forEach(a -> argv.add(a.asText()));
        return argv;
    }

    /**
     * The environment of container {@code name} of a pod on host networking whose endpoints (all containers', in order)
     * have host ports {@code hostPorts}: {@code mesos/TaskGroupBuilder.endpointEnvVars} ({@code ENDPOINT_<NAME>} and
     * {@code EP_HOST_<NAME>}, the name upper-cased with every run of characters other than {@code A-Z0-9_} as {@code _}),
     * then the container's {@code environment}.
     */
    static Map<String, String> podEnv(JsonNode pod, String name, List<Integer> hostPorts) {
        Map<String, String> env = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode c : pod.path("containers")) {
            for (JsonNode e : c.path("endpoints")) {
                String envName = e.path("name").asText().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]+", "_");
                env.put("ENDPOINT_" + envName, hostPorts.get(i).toString());
                env.put("EP_HOST_" + envName, hostPorts.get(i).toString());
                i++;
            }
        }
        container(pod, name).path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static JsonNode container(JsonNode pod, String name) {
        for (JsonNode c : pod.path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no container " + name);
    }

    /** Runs {@code argv} with exactly {@code env} (and a {@code PATH}) on this machine; its exit status and output. */
    record Ran(int exit, String output) {
    }

    static Ran run(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(argv + " did not end");
        }
        return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
