package dev.baton.spi;

import dev.baton.Capabilities;
import dev.baton.Feature;
import dev.baton.Unsupported;
import dev.baton.model.Constraint;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PlacementPolicy;
import dev.baton.model.PortSpec;
import dev.baton.model.Protocol;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskKind;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a spec and a platform's {@link Capabilities} into the list of fields the platform cannot honour, each
 * with its path, and the spec a best-effort translation would deploy (those fields left out where that is
 * possible). Written once here so adapters do not each write it.
 *
 * @since 0.1
 */
public final class CapabilityCheck {

    /** The fields the platform cannot honour, and the spec without the droppable ones. */
    public record Report(List<Unsupported> unsupported, JobSpec bestEffort) {
        public Report {
            unsupported = List.copyOf(unsupported);
        }

        public boolean isEmpty() {
            return unsupported.isEmpty();
        }

        /** Whether a best-effort translation can proceed: everything unsupported can be left out. */
        public boolean allDroppable() {
            return unsupported.stream().allMatch(Unsupported::droppable);
        }

        /** One warning per dropped field, for a best-effort plan. */
        public List<String> warnings() {
            return unsupported.stream().filter(Unsupported::droppable)
                    .map(u -> "dropped " + u.path() + ": " + u.platform() + " does not support " + u.capability()).toList();
        }
    }

    private final Capabilities caps;
    private final List<Unsupported> out = new ArrayList<>();

    private CapabilityCheck(Capabilities caps) {
        this.caps = caps;
    }

    public static Report check(JobSpec spec, Capabilities caps) {
        CapabilityCheck c = new CapabilityCheck(caps);
        JobSpec pruned = c.job(spec);
        return new Report(c.out, pruned);
    }

    private void add(String path, String key, String capability, boolean droppable) {
        out.add(new Unsupported(path, capability, caps.platform(), caps.reason(key), droppable));
    }

    private boolean lacks(Feature f, String path, boolean droppable) {
        if (!caps.supports(f)) {
            add(path, "feature." + f.name(), f.title(), droppable);
            return true;
        }
        return false;
    }

    private JobSpec job(JobSpec spec) {
        JobSpec.Builder b = spec.toBuilder();
        if (!caps.jobTypes().contains(spec.type())) {
            add("type", "jobType." + spec.type().id(), spec.type().id() + " jobs", false);
        }
        if (spec.namespace() != null && lacks(Feature.NAMESPACES, "namespace", true)) {
            b.namespace(null);
        }
        if (spec.timeZone() != null && lacks(Feature.CRON_TIME_ZONE, "timeZone", true)) {
            b.timeZone(null);
        }
        if (!spec.labels().isEmpty() && lacks(Feature.LABELS, "labels", true)) {
            b.labels(java.util.Map.of());
        }
        List<GroupSpec> groups = new ArrayList<>();
        for (int i = 0; i < spec.groups().size(); i++) {
            groups.add(group("groups[" + i + "]", spec.groups().get(i)));
        }
        b.groups(groups);
        if (!spec.secrets().isEmpty() && !caps.supports(Feature.SECRETS_AS_ENV) && !caps.supports(Feature.SECRETS_AS_FILES)) {
            add("secrets", "feature." + Feature.SECRET_STORE.name(), "secrets", false);
        }
        List<VolumeSpec> volumes = new ArrayList<>();
        for (int i = 0; i < spec.volumes().size(); i++) {
            volumes.add(volume("volumes[" + i + "]", spec.volumes().get(i)));
        }
        b.volumes(volumes);
        if (spec.update() != null) {
            b.update(update("update", spec.update()));
        }
        if (spec.placement() != null) {
            b.placement(placement("placement", spec.placement()));
        }
        return b.build();
    }

    private VolumeSpec volume(String path, VolumeSpec v) {
        if (lacks(Feature.VOLUMES, path, false)) {
            return v;
        }
        if (v.access() == dev.baton.model.VolumeAccess.MULTI_HOST) {
            lacks(Feature.MULTI_HOST_VOLUMES, path + ".access", false);
        }
        if (v.size() != null && lacks(Feature.VOLUME_SIZE, path + ".size", true)) {
            return new VolumeSpec(v.name(), null, v.access());
        }
        return v;
    }

    private GroupSpec group(String path, GroupSpec g) {
        GroupSpec.Builder b = g.toBuilder();
        if (g.tasks().size() > 1) {
            lacks(Feature.MULTI_TASK_GROUPS, path + ".tasks", false);
        }
        if (g.count() != null && g.count() == 0) {
            lacks(Feature.SCALE_TO_ZERO, path + ".count", false);
        }
        List<TaskSpec> tasks = new ArrayList<>();
        for (int i = 0; i < g.tasks().size(); i++) {
            tasks.add(task(path + ".tasks[" + i + "]", g.tasks().get(i)));
        }
        b.tasks(tasks);
        List<ServiceSpec> services = new ArrayList<>();
        for (int i = 0; i < g.services().size(); i++) {
            ServiceSpec s = g.services().get(i);
            String sp = path + ".services[" + i + "]";
            if (!caps.exposures().contains(s.expose())) {
                add(sp + ".expose", "expose." + s.expose().id(), s.expose().id() + " services", true);
                continue;
            }
            if (s.publishedPort() != null && lacks(Feature.FIXED_PUBLISHED_PORT, sp + ".publishedPort", true)) {
                s = new ServiceSpec(s.name(), s.port(), s.expose(), null);
            }
            services.add(s);
        }
        b.services(services);
        if (g.restart() != null) {
            b.restart(restart(path + ".restart", g.restart()));
        }
        return b.build();
    }

    private RestartPolicy restart(String path, RestartPolicy r) {
        if (!caps.restartModes().contains(r.policy())) {
            add(path + ".policy", "restart." + r.policy().id(), "restart policy " + r.policy().id(), true);
            return null;
        }
        Integer attempts = r.attempts();
        if (attempts != null && lacks(Feature.RESTART_ATTEMPTS, path + ".attempts", true)) {
            attempts = null;
        }
        java.time.Duration delay = r.delay();
        if (delay != null && lacks(Feature.RESTART_DELAY, path + ".delay", true)) {
            delay = null;
        }
        return new RestartPolicy(r.policy(), attempts, delay);
    }

    private TaskSpec task(String path, TaskSpec t) {
        TaskSpec.Builder b = t.toBuilder();
        if (!caps.taskKinds().contains(t.kind())) {
            add(t.kind() == TaskKind.CONTAINER ? path + ".image" : path + ".command", "task." + t.kind().id(),
                    t.kind().id() + " tasks (task " + t.name() + ")", false);
        }
        if (t.kind() == TaskKind.CONTAINER && !t.command().isEmpty() && lacks(Feature.CONTAINER_COMMAND, path + ".command", false)) {
            b.command(List.of());
        }
        if (t.workingDir() != null && lacks(Feature.WORKING_DIR, path + ".workingDir", true)) {
            b.workingDir(null);
        }
        if (t.resources() != null) {
            var cpu = t.resources().cpu();
            var mem = t.resources().memory();
            if (cpu != null && lacks(Feature.CPU_RESOURCES, path + ".resources.cpu", true)) {
                cpu = null;
            }
            if (mem != null && lacks(Feature.MEMORY_RESOURCES, path + ".resources.memory", true)) {
                mem = null;
            }
            b.resources(cpu == null && mem == null ? null : new dev.baton.model.Resources(cpu, mem));
        }
        for (int i = 0; i < t.ports().size(); i++) {
            PortSpec p = t.ports().get(i);
            String pp = path + ".ports[" + i + "]";
            if (p.isDynamic()) {
                lacks(Feature.DYNAMIC_PORTS, pp + ".port", false);
            } else {
                lacks(Feature.STATIC_PORTS, pp + ".port", false);
            }
            if (p.protocol() == Protocol.UDP) {
                lacks(Feature.UDP_PORTS, pp + ".protocol", false);
            }
        }
        List<HealthCheck> checks = new ArrayList<>();
        for (int i = 0; i < t.health().size(); i++) {
            HealthCheck h = t.health().get(i);
            String hp = path + ".health[" + i + "]";
            if (!caps.checkKinds().contains(h.kind())) {
                add(hp + "." + h.kind().id(), "check." + h.kind().id(), h.kind().id() + " health checks", true);
                continue;
            }
            if (!h.timing().gracePeriod().isZero() && lacks(Feature.CHECK_GRACE_PERIOD, hp + ".gracePeriod", true)) {
                var tm = new dev.baton.model.CheckTiming(h.timing().interval(), h.timing().timeout(), h.timing().retries(), null);
                h = h.withTiming(tm);
            }
            checks.add(h);
        }
        b.health(checks);
        List<SecretMount> secrets = new ArrayList<>();
        for (int i = 0; i < t.secrets().size(); i++) {
            SecretMount s = t.secrets().get(i);
            String sp = path + ".secrets[" + i + "]";
            if (s.isEnv() ? lacks(Feature.SECRETS_AS_ENV, sp + ".env", false) : lacks(Feature.SECRETS_AS_FILES, sp + ".file", false)) {
                continue;
            }
            secrets.add(s);
        }
        b.secrets(secrets);
        for (int i = 0; i < t.volumes().size(); i++) {
            VolumeMount v = t.volumes().get(i);
            if (v.readOnly()) {
                lacks(Feature.READ_ONLY_MOUNTS, path + ".volumes[" + i + "].readOnly", false);
            }
        }
        return b.build();
    }

    private UpdatePolicy update(String path, UpdatePolicy u) {
        if (!caps.updateStrategies().contains(u.strategy())) {
            add(path + ".strategy", "update." + u.strategy().id(), u.strategy().id() + " updates", true);
            return null;
        }
        if (u.parallelism() != null && lacks(Feature.UPDATE_PARALLELISM, path + ".parallelism", true)) {
            u = u.withParallelism(null);
        }
        if (u.delay() != null && lacks(Feature.UPDATE_DELAY, path + ".delay", true)) {
            u = u.withDelay(null);
        }
        if (u.minHealthyTime() != null && lacks(Feature.UPDATE_MIN_HEALTHY_TIME, path + ".minHealthyTime", true)) {
            u = u.withMinHealthyTime(null);
        }
        if (u.healthyDeadline() != null && lacks(Feature.UPDATE_HEALTHY_DEADLINE, path + ".healthyDeadline", true)) {
            u = u.withHealthyDeadline(null);
        }
        if (u.canary() != null && u.canary() > 0 && lacks(Feature.UPDATE_CANARY, path + ".canary", true)) {
            u = u.withCanary(null);
        }
        if (u.onFailure() != null && !caps.onFailure().contains(u.onFailure())) {
            add(path + ".onFailure", "onFailure." + u.onFailure().id(), "onFailure " + u.onFailure().id(), true);
            u = u.withOnFailure(null);
        }
        return u;
    }

    private PlacementPolicy placement(String path, PlacementPolicy p) {
        List<Constraint> kept = new ArrayList<>();
        for (int i = 0; i < p.constraints().size(); i++) {
            Constraint c = p.constraints().get(i);
            if (!caps.constraintOperators().contains(c.operator())) {
                add(path + ".constraints[" + i + "].operator", "constraint." + c.operator().id(),
                        "constraint operator " + c.operator().id(), false);
                continue;
            }
            kept.add(c);
        }
        String spread = p.spread();
        if (spread != null && lacks(Feature.PLACEMENT_SPREAD, path + ".spread", true)) {
            spread = null;
        }
        boolean distinct = p.distinctHosts();
        if (distinct && lacks(Feature.PLACEMENT_DISTINCT_HOSTS, path + ".distinctHosts", false)) {
            distinct = false;
        }
        return new PlacementPolicy(kept, spread, distinct);
    }
}
