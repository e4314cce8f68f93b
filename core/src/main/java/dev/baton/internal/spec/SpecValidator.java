package dev.baton.internal.spec;

import dev.baton.Violation;
import dev.baton.model.Constraint;
import dev.baton.model.CronSchedule;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.Operator;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.SecretMount;
import dev.baton.model.SecretRef;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.spi.SecretRules;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The semantic rules of {@code baton/v1} over a model, however it was built: names, ranges, uniqueness and
 * references between parts. Each problem is recorded with its path.
 */
final class SpecValidator {
    static final Pattern NAME = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?");
    private static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern ATTRIBUTE = Pattern.compile("node\\.(hostname|os|arch|labels\\.[A-Za-z0-9]([-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?)");
    /** Label prefix Baton keeps for its own labels on native objects. */
    static final String RESERVED_LABEL_PREFIX = "baton.dev/";

    private final List<Violation> out;

    private SpecValidator(List<Violation> out) {
        this.out = out;
    }

    static void validate(JobSpec spec, List<Violation> out) {
        new SpecValidator(out).job(spec);
    }

    private void add(String path, String message) {
        out.add(new Violation(path, message));
    }

    private void name(String path, String value, String what) {
        if (value == null) {
            add(path, "is required");
        } else if (!NAME.matcher(value).matches()) {
            add(path, SpecCodec.nameRule(value, what));
        }
    }

    /**
     * Records why a path a task sees (a working directory, a mount point, a secret file) cannot be used: a control or
     * format character, not absolute, or a {@code ..} segment that would lead out of the directory it names.
     *
     * @return whether the path is usable
     */
    private boolean path(String path, String value) {
        int bad = Quoted.firstControlOrFormat(value);
        if (bad >= 0) {
            add(path, Quoted.quote(value) + " contains the " + (Character.getType(bad) == Character.CONTROL ? "control" : "format")
                    + " character " + Quoted.codePoint(bad) + "; a path must not contain control or format characters");
            return false;
        }
        if (!value.startsWith("/")) {
            add(path, Quoted.quote(value) + " is not an absolute path");
            return false;
        }
        if (Arrays.asList(value.split("/", -1)).contains("..")) {
            add(path, Quoted.quote(value) + " has a .. segment; a path must not lead out of the directory it names");
            return false;
        }
        return true;
    }

    private void job(JobSpec s) {
        name("name", s.name(), "job");
        if (s.namespace() != null) {
            name("namespace", s.namespace(), "namespace");
        }
        if (s.type() == JobType.CRON) {
            if (s.schedule() == null) {
                add("schedule", "is required for a cron job");
            } else {
                try {
                    CronSchedule.parse(s.schedule());
                } catch (IllegalArgumentException e) {
                    add("schedule", e.getMessage());
                }
            }
            if (s.timeZone() != null) {
                try {
                    ZoneId.of(s.timeZone());
                } catch (DateTimeException e) {
                    add("timeZone", Quoted.quote(s.timeZone()) + " is not a time zone (use an IANA name such as Europe/Berlin or UTC)");
                }
            }
        } else {
            if (s.schedule() != null) {
                add("schedule", "is only allowed on cron jobs (type is " + s.type().id() + ")");
            }
            if (s.timeZone() != null) {
                add("timeZone", "is only allowed on cron jobs (type is " + s.type().id() + ")");
            }
        }
        s.labels().forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches()) {
                add(Node.at("labels", k), Quoted.quote(k) + " is not a valid label key");
            } else if (k.startsWith(RESERVED_LABEL_PREFIX)) {
                add(Node.at("labels", k), "the prefix " + RESERVED_LABEL_PREFIX + " is reserved for Baton's own labels");
            }
            if (!LABEL_VALUE.matcher(v).matches()) {
                add(Node.at("labels", k), Quoted.quote(v) + " is not a valid label value: at most 63 characters of A-Z, a-z, 0-9, -, _ and ., starting and ending alphanumeric");
            }
        });

        Set<String> secretNames = new HashSet<>();
        for (int i = 0; i < s.secrets().size(); i++) {
            SecretRef r = s.secrets().get(i);
            String np = "secrets[" + i + "].name";
            SecretRules.nameProblem(r.name()).ifPresent(problem -> add(np, problem));
            if (r.name() != null && !secretNames.add(r.name())) {
                add("secrets[" + i + "].name", "duplicate secret \"" + r.name() + "\"");
            }
        }
        Set<String> volumeNames = new HashSet<>();
        for (int i = 0; i < s.volumes().size(); i++) {
            VolumeSpec v = s.volumes().get(i);
            name("volumes[" + i + "].name", v.name(), "volume");
            if (v.name() != null && !volumeNames.add(v.name())) {
                add("volumes[" + i + "].name", "duplicate volume \"" + v.name() + "\"");
            }
            if (v.size() != null && v.size().bytes() == 0) {
                add("volumes[" + i + "].size", "must be greater than 0");
            }
        }

        if (s.groups().isEmpty()) {
            add("groups", "needs at least one group");
        }
        Set<String> groupNames = new HashSet<>();
        Map<String, String> serviceNames = new HashMap<>();
        for (int i = 0; i < s.groups().size(); i++) {
            GroupSpec g = s.groups().get(i);
            String gp = "groups[" + i + "]";
            name(gp + ".name", g.name(), "group");
            if (g.name() != null && !groupNames.add(g.name())) {
                add(gp + ".name", "duplicate group \"" + g.name() + "\"");
            }
            group(s, gp, g, secretNames, volumeNames, serviceNames);
        }
        if (s.update() != null) {
            if (s.type() == JobType.BATCH || s.type() == JobType.CRON) {
                add("update", "is only allowed on service and system jobs (type is " + s.type().id()
                        + "; a run-to-completion job is replaced, not updated)");
            }
            update("update", s.update());
        }
        s.extensions().patches().keySet().forEach(platform -> {
            if (!SpecParser.PLATFORMS.contains(platform)) {
                add("extensions." + platform, "unknown platform (allowed: " + String.join(", ", SpecParser.PLATFORMS) + ")");
            }
        });
        if (s.placement() != null) {
            for (int i = 0; i < s.placement().constraints().size(); i++) {
                constraint("placement.constraints[" + i + "]", s.placement().constraints().get(i));
            }
            String spread = s.placement().spread();
            if (spread != null && !ATTRIBUTE.matcher(spread).matches()) {
                add("placement.spread", Quoted.quote(spread) + " is not a host attribute (use node.hostname, node.os, node.arch or node.labels.<key>)");
            }
        }
    }

    private void group(JobSpec s, String gp, GroupSpec g, Set<String> secrets, Set<String> volumes, Map<String, String> serviceNames) {
        if (s.type() == JobType.SYSTEM && g.count() != null) {
            add(gp + ".count", "is not allowed on a system job (it runs one instance per eligible host)");
        }
        if (g.count() != null && g.count() < 0) {
            add(gp + ".count", g.count() + " is out of range 0..100000");
        }
        if (g.tasks().isEmpty()) {
            add(gp + ".tasks", "needs at least one task");
        }
        Set<String> taskNames = new HashSet<>();
        Map<String, String> portOwners = new HashMap<>();
        Map<String, String> staticPorts = new HashMap<>();
        for (int t = 0; t < g.tasks().size(); t++) {
            TaskSpec task = g.tasks().get(t);
            String tp = gp + ".tasks[" + t + "]";
            name(tp + ".name", task.name(), "task");
            if (task.name() != null && !taskNames.add(task.name())) {
                add(tp + ".name", "duplicate task \"" + task.name() + "\" in group " + g.name());
            }
            for (int p = 0; p < task.ports().size(); p++) {
                PortSpec port = task.ports().get(p);
                String pp = tp + ".ports[" + p + "]";
                if (!PORT_NAME.matcher(port.name()).matches()) {
                    add(pp + ".name", Quoted.quote(port.name()) + " is not a valid port name: 1-15 characters of a-z, 0-9 and -");
                } else if (portOwners.putIfAbsent(port.name(), tp) != null) {
                    add(pp + ".name", "duplicate port \"" + port.name() + "\" in group " + g.name());
                }
                if (port.port() != null) {
                    if (port.port() < 1 || port.port() > 65535) {
                        add(pp + ".port", port.port() + " is out of range 1..65535");
                    } else if (staticPorts.putIfAbsent(port.port() + "/" + port.protocol().id(), port.name()) != null) {
                        add(pp + ".port", "port " + port.port() + "/" + port.protocol().id() + " is already used by port \""
                                + staticPorts.get(port.port() + "/" + port.protocol().id()) + "\"");
                    }
                }
            }
            task(tp, task, secrets, volumes);
        }
        for (int i = 0; i < g.services().size(); i++) {
            ServiceSpec svc = g.services().get(i);
            String sp = gp + ".services[" + i + "]";
            name(sp + ".name", svc.name(), "service");
            if (svc.name() != null && serviceNames.putIfAbsent(svc.name(), sp) != null) {
                add(sp + ".name", "duplicate service \"" + svc.name() + "\" in the job");
            }
            if (svc.port() == null) {
                add(sp + ".port", "is required");
            } else if (!portOwners.containsKey(svc.port())) {
                add(sp + ".port", Quoted.quote(svc.port()) + " names no port of a task in group " + g.name());
            }
            if (svc.publishedPort() != null) {
                if (svc.expose() != dev.baton.model.Exposure.PUBLISHED) {
                    add(sp + ".publishedPort", "is only allowed with expose: published");
                } else if (svc.publishedPort() < 1 || svc.publishedPort() > 65535) {
                    add(sp + ".publishedPort", svc.publishedPort() + " is out of range 1..65535");
                }
            }
        }
        if (g.restart() != null) {
            var r = g.restart();
            if (r.attempts() != null && r.attempts() < 0) {
                add(gp + ".restart.attempts", "must not be negative");
            }
            if (r.attempts() != null && r.policy() == RestartMode.NEVER) {
                add(gp + ".restart.attempts", "is not allowed with policy never");
            }
            if (r.delay() != null && r.delay().isNegative()) {
                add(gp + ".restart.delay", "must not be negative");
            }
        }
    }

    private void task(String tp, TaskSpec t, Set<String> secrets, Set<String> volumes) {
        if (t.image() == null && t.command().isEmpty()) {
            add(tp + ".command", "is required for a process task (a task without an image)");
        }
        if (t.image() != null && (t.image().isBlank() || t.image().chars().anyMatch(Character::isWhitespace))) {
            add(tp + ".image", Quoted.quote(t.image()) + " is not an image reference");
        }
        t.env().keySet().forEach(k -> {
            if (!ENV.matcher(k).matches()) {
                add(Node.at(tp + ".env", k), Quoted.quote(k) + " is not a valid environment variable name");
            }
        });
        if (t.workingDir() != null) {
            path(tp + ".workingDir", t.workingDir());
        }
        if (t.resources() != null) {
            if (t.resources().cpu() != null && t.resources().cpu().millicores() == 0) {
                add(tp + ".resources.cpu", "must be greater than 0");
            }
            if (t.resources().memory() != null && t.resources().memory().bytes() == 0) {
                add(tp + ".resources.memory", "must be greater than 0");
            }
        }
        for (int i = 0; i < t.health().size(); i++) {
            HealthCheck h = t.health().get(i);
            String hp = tp + ".health[" + i + "]";
            String port = h instanceof HealthCheck.Http http ? http.port() : h instanceof HealthCheck.Tcp tcp ? tcp.port() : null;
            if (port != null && t.ports().stream().noneMatch(p -> p.name().equals(port))) {
                add(hp + "." + h.kind().id() + ".port", Quoted.quote(port) + " names no port of task " + t.name());
            }
            if (h instanceof HealthCheck.Http http && !http.path().startsWith("/")) {
                add(hp + ".http.path", Quoted.quote(http.path()) + " must start with /");
            }
            if (h instanceof HealthCheck.Exec exec && exec.command().isEmpty()) {
                add(hp + ".exec.command", "needs at least one element");
            }
            positive(hp + ".interval", h.timing().interval());
            positive(hp + ".timeout", h.timing().timeout());
            if (h.timing().retries() < 1) {
                add(hp + ".retries", "must be at least 1");
            }
            if (h.timing().gracePeriod().isNegative()) {
                add(hp + ".gracePeriod", "must not be negative");
            }
        }
        Set<String> envTargets = new HashSet<>(t.env().keySet());
        Set<String> files = new HashSet<>();
        for (int i = 0; i < t.secrets().size(); i++) {
            SecretMount m = t.secrets().get(i);
            String mp = tp + ".secrets[" + i + "]";
            if (m.secret() == null) {
                add(mp + ".secret", "is required");
            } else if (!secrets.contains(m.secret())) {
                add(mp + ".secret", Quoted.quote(m.secret()) + " is not declared under secrets");
            }
            if (m.key() == null || m.key().isBlank()) {
                add(mp + ".key", "is required");
            } else {
                SecretRules.keyProblem(m.key()).ifPresent(problem -> add(mp + ".key", problem));
            }
            if ((m.env() == null) == (m.file() == null)) {
                add(mp, "needs exactly one of env or file");
            } else if (m.env() != null) {
                if (!ENV.matcher(m.env()).matches()) {
                    add(mp + ".env", Quoted.quote(m.env()) + " is not a valid environment variable name");
                } else if (!envTargets.add(m.env())) {
                    add(mp + ".env", Quoted.quote(m.env()) + " is already set in this task");
                }
            } else if (path(mp + ".file", m.file()) && !files.add(m.file())) {
                add(mp + ".file", Quoted.quote(m.file()) + " is already mounted in this task");
            }
        }
        Set<String> mountPaths = new HashSet<>();
        for (int i = 0; i < t.volumes().size(); i++) {
            VolumeMount m = t.volumes().get(i);
            String mp = tp + ".volumes[" + i + "]";
            if (m.volume() == null) {
                add(mp + ".volume", "is required");
            } else if (!volumes.contains(m.volume())) {
                add(mp + ".volume", Quoted.quote(m.volume()) + " is not declared under volumes");
            }
            if (m.mountPath() == null) {
                add(mp + ".mountPath", "is required");
            } else if (path(mp + ".mountPath", m.mountPath()) && !mountPaths.add(m.mountPath())) {
                add(mp + ".mountPath", Quoted.quote(m.mountPath()) + " is already mounted in this task");
            }
        }
    }

    private void positive(String path, Duration d) {
        if (d.isZero() || d.isNegative()) {
            add(path, "must be greater than 0");
        }
    }

    private void update(String path, UpdatePolicy u) {
        if (u.parallelism() != null && u.parallelism() < 1) {
            add(path + ".parallelism", "must be at least 1");
        }
        if (u.canary() != null && u.canary() < 0) {
            add(path + ".canary", "must not be negative");
        }
        if (u.healthyDeadline() != null && u.healthyDeadline().isZero()) {
            add(path + ".healthyDeadline", "must be greater than 0");
        }
        if (u.healthyDeadline() != null && u.minHealthyTime() != null && u.healthyDeadline().compareTo(u.minHealthyTime()) <= 0) {
            add(path + ".healthyDeadline", "must be longer than minHealthyTime");
        }
    }

    private void constraint(String path, Constraint c) {
        if (c.attribute() == null) {
            add(path + ".attribute", "is required");
        } else if (!ATTRIBUTE.matcher(c.attribute()).matches()) {
            add(path + ".attribute", Quoted.quote(c.attribute()) + " is not a host attribute (use node.hostname, node.os, node.arch or node.labels.<key>)");
        }
        Operator op = c.operator();
        if (op == null) {
            return;
        }
        switch (op) {
            case EQUAL, NOT_EQUAL -> {
                if (c.value() == null) {
                    add(path + ".value", "is required with operator " + op.id());
                }
                if (c.values() != null) {
                    add(path + ".values", "is not allowed with operator " + op.id() + " (use value)");
                }
            }
            case IN, NOT_IN -> {
                if (c.values() == null || c.values().isEmpty()) {
                    add(path + ".values", "needs at least one value with operator " + op.id());
                }
                if (c.value() != null) {
                    add(path + ".value", "is not allowed with operator " + op.id() + " (use values)");
                }
            }
            default -> {
                if (c.value() != null || c.values() != null) {
                    add(path, "operator " + op.id() + " takes no value");
                }
            }
        }
    }
}
