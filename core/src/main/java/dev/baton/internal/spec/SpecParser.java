package dev.baton.internal.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.Violation;
import dev.baton.model.ByteSize;
import dev.baton.model.CheckTiming;
import dev.baton.model.Constraint;
import dev.baton.model.Cpu;
import dev.baton.model.Durations;
import dev.baton.model.Exposure;
import dev.baton.model.Extensions;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.Operator;
import dev.baton.model.PlacementPolicy;
import dev.baton.model.PortSpec;
import dev.baton.model.Protocol;
import dev.baton.model.Resources;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.SecretRef;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.UpdateStrategy;
import dev.baton.model.VolumeAccess;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import io.vavr.control.Try;
import io.vavr.control.Validation;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a parsed document tree into a {@link JobSpec}, collecting structural violations (unknown keys, wrong
 * types, unparseable values) with their paths. What it cannot read is left out of the model, so the semantic
 * validation that follows still runs over the rest.
 */
final class SpecParser {
    static final Set<String> PLATFORMS = keys("kubernetes", "swarm", "nomad", "marathon", "local");

    private static final Set<String> JOB = keys("apiVersion", "name", "namespace", "type", "schedule", "timeZone", "labels",
            "groups", "secrets", "volumes", "update", "placement", "extensions");
    private static final Set<String> GROUP = keys("name", "count", "tasks", "services", "restart");
    private static final Set<String> TASK = keys("name", "image", "command", "args", "env", "workingDir", "resources", "ports",
            "health", "secrets", "volumes");
    private static final Set<String> RESOURCES = keys("cpu", "memory");
    private static final Set<String> PORT = keys("name", "port", "protocol");
    private static final Set<String> CHECK = keys("http", "tcp", "exec", "interval", "timeout", "retries", "gracePeriod");
    private static final Set<String> HTTP = keys("port", "path");
    private static final Set<String> TCP = keys("port");
    private static final Set<String> EXEC = keys("command");
    private static final Set<String> SECRET_MOUNT = keys("secret", "key", "env", "file");
    private static final Set<String> VOLUME_MOUNT = keys("volume", "mountPath", "readOnly");
    private static final Set<String> SERVICE = keys("name", "port", "expose", "publishedPort");
    private static final Set<String> RESTART = keys("policy", "attempts", "delay");
    private static final Set<String> SECRET = keys("name");
    private static final Set<String> VOLUME = keys("name", "size", "access");
    private static final Set<String> UPDATE = keys("strategy", "parallelism", "delay", "minHealthyTime", "healthyDeadline",
            "onFailure", "canary");
    private static final Set<String> PLACEMENT = keys("constraints", "spread", "distinctHosts");
    private static final Set<String> CONSTRAINT = keys("attribute", "operator", "value", "values");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SpecParser() {
    }

    static Set<String> keys(String... k) {
        return new LinkedHashSet<>(Arrays.asList(k));
    }

    static JobSpec parse(JsonNode root, List<Violation> violations) {
        Node n = Node.open(root, "", violations, JOB);
        if (n == null) {
            return null;
        }
        String api = n.string("apiVersion", true);
        if (api != null && !api.equals(JobSpec.API_VERSION)) {
            n.violation("apiVersion", Quoted.quote(api) + " is not supported; use " + JobSpec.API_VERSION);
        }
        JobSpec.Builder b = JobSpec.builder(n.string("name", true))
                .namespace(n.string("namespace", false))
                .type(n.parsed("type", enumParser(JobType::fromId, JobType.ids())))
                .schedule(n.string("schedule", false))
                .timeZone(n.string("timeZone", false))
                .labels(n.stringMap("labels"))
                .groups(n.list("groups", SpecParser::group))
                .secrets(n.list("secrets", SpecParser::secret))
                .volumes(n.list("volumes", SpecParser::volume));
        Node u = n.object("update", UPDATE);
        if (u != null) {
            b.update(update(u));
        }
        Node p = n.object("placement", PLACEMENT);
        if (p != null) {
            b.placement(new PlacementPolicy(p.list("constraints", SpecParser::constraint), p.string("spread", false),
                    Optional.ofNullable(p.bool("distinctHosts")).orElse(false)));
        }
        b.extensions(extensions(n));
        return b.build();
    }

    private static GroupSpec group(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, GROUP);
        if (n == null) {
            return null;
        }
        GroupSpec.Builder b = GroupSpec.builder(n.string("name", true))
                .count(n.integer("count", 0, 100_000))
                .tasks(n.list("tasks", SpecParser::task))
                .services(n.list("services", SpecParser::service));
        Node r = n.object("restart", RESTART);
        if (r != null) {
            b.restart(new RestartPolicy(r.parsed("policy", enumParser(RestartMode::fromId, RestartMode.ids())),
                    r.integer("attempts", 0, 10_000), r.parsed("delay", SpecParser::duration)));
        }
        return b.build();
    }

    private static TaskSpec task(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, TASK);
        if (n == null) {
            return null;
        }
        TaskSpec.Builder b = TaskSpec.builder(n.string("name", true))
                .image(n.string("image", false))
                .command(n.strings("command"))
                .args(n.strings("args"))
                .env(n.stringMap("env"))
                .workingDir(n.string("workingDir", false))
                .ports(n.list("ports", SpecParser::port))
                .health(n.list("health", SpecParser::check))
                .secrets(n.list("secrets", SpecParser::secretMount))
                .volumes(n.list("volumes", SpecParser::volumeMount));
        Node r = n.object("resources", RESOURCES);
        if (r != null) {
            Cpu cpu = r.parsed("cpu", s -> Try.of(() -> Cpu.parse(s)).toValidation(Throwable::getMessage));
            ByteSize mem = r.parsed("memory", SpecParser::size);
            b.resources(new Resources(cpu, mem));
        }
        return b.build();
    }

    private static PortSpec port(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, PORT);
        if (n == null) {
            return null;
        }
        String name = n.string("name", true);
        Integer port = n.integer("port", 1, 65535);
        Protocol protocol = n.parsed("protocol", enumParser(Protocol::fromId, Protocol.ids()));
        return name == null ? null : new PortSpec(name, port, protocol);
    }

    private static HealthCheck check(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, CHECK);
        if (n == null) {
            return null;
        }
        CheckTiming timing = new CheckTiming(n.parsed("interval", SpecParser::duration), n.parsed("timeout", SpecParser::duration),
                Optional.ofNullable(n.integer("retries", 1, 1000)).orElse(CheckTiming.DEFAULT_RETRIES),
                n.parsed("gracePeriod", SpecParser::duration));
        List<String> kinds = List.of("http", "tcp", "exec").stream().filter(n::has).toList();
        if (kinds.size() != 1) {
            n.violation(null, kinds.isEmpty() ? "needs one of http, tcp or exec" : "has " + String.join(" and ", kinds) + "; exactly one of http, tcp or exec is allowed");
            return null;
        }
        switch (kinds.get(0)) {
            case "http": {
                Node h = n.object("http", HTTP);
                if (h == null) {
                    return null;
                }
                String port = h.string("port", true);
                return port == null ? null : new HealthCheck.Http(port, h.string("path", false), timing);
            }
            case "tcp": {
                Node t = n.object("tcp", TCP);
                if (t == null) {
                    return null;
                }
                String port = t.string("port", true);
                return port == null ? null : new HealthCheck.Tcp(port, timing);
            }
            default: {
                Node e = n.object("exec", EXEC);
                return e == null ? null : new HealthCheck.Exec(e.strings("command"), timing);
            }
        }
    }

    private static SecretMount secretMount(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, SECRET_MOUNT);
        return n == null ? null : new SecretMount(n.string("secret", true), n.string("key", true), n.string("env", false),
                n.string("file", false));
    }

    private static VolumeMount volumeMount(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, VOLUME_MOUNT);
        return n == null ? null : new VolumeMount(n.string("volume", true), n.string("mountPath", true),
                Optional.ofNullable(n.bool("readOnly")).orElse(false));
    }

    private static ServiceSpec service(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, SERVICE);
        return n == null ? null : new ServiceSpec(n.string("name", true), n.string("port", true),
                n.parsed("expose", enumParser(Exposure::fromId, Exposure.ids())), n.integer("publishedPort", 1, 65535));
    }

    private static SecretRef secret(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, SECRET);
        return n == null ? null : new SecretRef(n.string("name", true));
    }

    private static VolumeSpec volume(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, VOLUME);
        return n == null ? null : new VolumeSpec(n.string("name", true), n.parsed("size", SpecParser::size),
                n.parsed("access", enumParser(VolumeAccess::fromId, VolumeAccess.ids())));
    }

    private static UpdatePolicy update(Node u) {
        return new UpdatePolicy(u.parsed("strategy", enumParser(UpdateStrategy::fromId, UpdateStrategy.ids())),
                u.integer("parallelism", 1, 10_000), u.parsed("delay", SpecParser::duration),
                u.parsed("minHealthyTime", SpecParser::duration), u.parsed("healthyDeadline", SpecParser::duration),
                u.parsed("onFailure", enumParser(OnFailure::fromId, OnFailure.ids())), u.integer("canary", 0, 10_000));
    }

    private static Constraint constraint(JsonNode json, String path, List<Violation> vs) {
        Node n = Node.open(json, path, vs, CONSTRAINT);
        if (n == null) {
            return null;
        }
        String attribute = n.string("attribute", true);
        Operator op = n.parsed("operator", enumParser(Operator::fromId, Operator.ids()));
        if (!n.has("operator")) {
            n.violation("operator", "is required");
        }
        return new Constraint(attribute, op, n.string("value", false), n.has("values") ? n.strings("values") : null);
    }

    @SuppressWarnings("unchecked")
    private static Extensions extensions(Node n) {
        JsonNode e = n.raw("extensions");
        if (e == null) {
            return Extensions.NONE;
        }
        if (!e.isObject()) {
            n.violation("extensions", "expected a map of platform id to merge patch, got " + Node.describe(e));
            return Extensions.NONE;
        }
        Map<String, Map<String, Object>> patches = new LinkedHashMap<>();
        e.properties().forEach(entry -> {
            if (!PLATFORMS.contains(entry.getKey())) {
                n.violation("extensions." + entry.getKey(), "unknown platform (allowed: " + String.join(", ", PLATFORMS) + ")");
            } else if (entry.getValue() == null || !entry.getValue().isObject()) {
                n.violation("extensions." + entry.getKey(), "expected an object (a JSON merge patch), got " + Node.describe(entry.getValue()));
            } else {
                patches.put(entry.getKey(), MAPPER.convertValue(entry.getValue(), Map.class));
            }
        });
        return new Extensions(patches);
    }

    static Validation<String, Duration> duration(String s) {
        return Try.of(() -> Durations.parse(s)).toValidation(Throwable::getMessage);
    }

    static Validation<String, ByteSize> size(String s) {
        return Try.of(() -> ByteSize.parse(s)).toValidation(t -> Quoted.quote(s) + " is not a size (use a number with Ki, Mi, Gi, K, M or G)");
    }

    static <E> Function<String, Validation<String, E>> enumParser(Function<String, Optional<E>> from, String ids) {
        return s -> from.apply(s).map(Validation::<String, E>valid)
                .orElseGet(() -> Validation.invalid(Quoted.quote(s) + " is not one of " + ids));
    }
}
