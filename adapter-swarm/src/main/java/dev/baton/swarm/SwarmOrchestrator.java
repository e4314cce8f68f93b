package dev.baton.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeAvailability;
import com.github.dockerjava.api.model.SwarmNodeSpec;
import dev.baton.Capabilities;
import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.HostMaintenanceFacet;
import dev.baton.LogsFacet;
import dev.baton.Manifest;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.PlatformUnavailableException;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Subscription;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.model.Exposure;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.JobRef;
import dev.baton.spi.JsonDiff;
import dev.baton.spi.SecretRules;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.Host;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import dev.baton.status.JobSummary;
import dev.baton.status.PlatformInfo;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.ServiceTranslator;
import dev.baton.swarm.internal.ServiceTranslator.Rendered;
import dev.baton.swarm.internal.SwarmSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The orchestrator of {@code swarm://}: one Swarm service per group, created and updated with the Engine API and
 * the service's version index (a concurrent change is a {@link ConflictException}), followed through the engine's
 * event stream.
 *
 * @since 0.1
 */
public final class SwarmOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, LogsFacet {
    private static final String PLATFORM = Engine.PLATFORM;
    private static final Duration EVENT_WINDOW = Duration.ofSeconds(10);
    private static final Set<String> FAILED_STATES = Set.of("failed", "rejected", "orphaned");
    /**
     * How long a task must stay running when its service sets no {@code UpdateConfig.Monitor}: swarmkit's own default
     * monitor (5 s, {@code api/defaults/service.go} in moby/swarmkit), which the engine applies to such a service's
     * updates. Baton sends {@code Monitor} only when the spec sets {@code update.minHealthyTime}.
     */
    static final Duration DEFAULT_MIN_HEALTHY_TIME = Duration.ofSeconds(5);

    private final Engine engine;
    private final SwarmSecrets secrets;

    SwarmOrchestrator(Engine engine) {
        this.engine = engine;
        this.secrets = new SwarmSecrets(engine);
    }

    /** How many Engine API requests this orchestrator has sent (for tests and diagnostics). */
    public int engineRequests() {
        return engine.requests();
    }

    private static String name(String jobId) {
        return JobRef.parse(jobId, null).name();
    }

    @Override
    public PlatformInfo platform() {
        JsonNode version = engine.get("read the engine version", "/version", Map.of());
        String leader = null;
        for (JsonNode n : nodes()) {
            if (n.path("ManagerStatus").path("Leader").asBoolean()) {
                leader = n.path("Description").path("Hostname").asText() + " (" + n.path("ManagerStatus").path("Addr").asText() + ")";
            }
        }
        return new PlatformInfo(PLATFORM, version.path("Version").asText(null) + " (API " + version.path("ApiVersion").asText() + ")", leader);
    }

    @Override
    public Capabilities capabilities() {
        return SwarmProvider.CAPABILITIES;
    }

    @Override
    public Manifest render(JobSpec spec) {
        return new Manifest(PLATFORM, "application/json", ServiceTranslator.manifest(ServiceTranslator.services(spec)));
    }

    private List<JsonNode> services(String job) {
        JsonNode list = engine.get("list the services of " + job, "/services",
                Map.of("filters", Engine.filters(Map.of("label", List.of(SpecVersion.JOB_LABEL + "=" + job)))));
        List<JsonNode> out = new ArrayList<>();
        list.forEach(out::add);
        return out;
    }

    private static JobSpec storedSpec(JsonNode service) {
        return Specs.read(service.path("Spec").path("Labels").path(ServiceTranslator.SPEC_LABEL).asText());
    }

    private static String group(JsonNode service) {
        return service.path("Spec").path("Labels").path(SpecVersion.GROUP_LABEL).asText();
    }

    private static Optional<JsonNode> byName(List<JsonNode> services, String name) {
        return services.stream().filter(s -> name.equals(s.path("Spec").path("Name").asText())).findFirst();
    }

    private static int replicas(JsonNode spec) {
        JsonNode mode = spec.path("Mode");
        if (mode.has("Replicated")) {
            return mode.path("Replicated").path("Replicas").asInt(1);
        }
        if (mode.has("ReplicatedJob")) {
            return mode.path("ReplicatedJob").path("TotalCompletions").asInt(1);
        }
        return -1;
    }

    @Override
    public Plan plan(JobSpec spec) {
        List<Rendered> rendered;
        try {
            rendered = ServiceTranslator.services(spec);
        } catch (UnsupportedCapabilityException e) {
            return new Plan(PLATFORM, spec.name(), List.of(), e.unsupported(), List.of());
        }
        List<JsonNode> live = services(spec.name());
        List<Change> changes = new ArrayList<>();
        for (Rendered r : rendered) {
            Optional<JsonNode> current = byName(live, r.name());
            if (current.isEmpty()) {
                changes.add(new Change(Change.Action.CREATE, "service", r.name(), List.of()));
                continue;
            }
            JsonNode before = ServiceTranslator.services(storedSpec(current.get())).stream().filter(x -> x.name().equals(r.name()))
                    .findFirst().map(Rendered::spec).orElse(null);
            ObjectNode after = r.spec().deepCopy();
            if (before != null) {
                // the live replica count, not the one stored, is what an update would change
                copyReplicas(current.get().path("Spec"), (ObjectNode) before);
            }
            var fields = JsonDiff.diff(before, after).stream()
                    .filter(f -> !f.path().equals("Labels." + ServiceTranslator.SPEC_LABEL)).toList();
            changes.add(new Change(fields.isEmpty() ? Change.Action.NONE : Change.Action.UPDATE, "service", r.name(), fields));
        }
        for (JsonNode s : live) {
            String n = s.path("Spec").path("Name").asText();
            if (rendered.stream().noneMatch(r -> r.name().equals(n))) {
                changes.add(new Change(Change.Action.DESTROY, "service", n, List.of()));
            }
        }
        return new Plan(PLATFORM, spec.name(), changes, List.of(), List.of());
    }

    private static void copyReplicas(JsonNode from, ObjectNode to) {
        if (from.path("Mode").has("Replicated") && to.path("Mode").has("Replicated")) {
            ((ObjectNode) to.path("Mode").path("Replicated")).put("Replicas", from.path("Mode").path("Replicated").path("Replicas").asInt());
        }
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        List<Rendered> rendered = ServiceTranslator.services(spec);
        List<JsonNode> live = services(spec.name());
        for (JsonNode s : live) {
            String ns = s.path("Spec").path("Labels").path(ServiceTranslator.NAMESPACE_LABEL).asText(null);
            if (!java.util.Objects.equals(ns, spec.namespace())) {
                throw ConflictException.of(PLATFORM, "job " + spec.name() + " already exists in namespace " + (ns == null ? "(none)" : ns)
                        + "; Swarm service names are global, so one job name cannot be used in two namespaces");
            }
        }
        resolveSecrets(rendered);
        boolean changed = false;
        Instant since = Instant.now();
        // services updated without a new spec version (a rotated secret, a forced update): their old tasks carry the
        // same version label, so only Swarm's own update status tells when the replacement is done
        Map<String, String> sameVersion = new HashMap<>();
        for (Rendered r : rendered) {
            Optional<JsonNode> current = byName(live, r.name());
            if (current.isPresent() && unchanged(current.get(), r.spec()) && !options.force()) {
                continue;
            }
            changed = true;
            if (current.isEmpty()) {
                if (r.network() != null) {
                    ensureNetwork(spec.name(), r.network());
                }
                engine.send("create service " + r.name(), "POST", "/services/create", Map.of(), r.spec());
            } else {
                JsonNode cur = current.get();
                ObjectNode body = r.spec().deepCopy();
                if (options.force()) {
                    ((ObjectNode) body.path("TaskTemplate")).put("ForceUpdate", cur.path("Spec").path("TaskTemplate").path("ForceUpdate").asLong() + 1);
                }
                engine.send("update service " + r.name(), "POST", "/services/" + cur.path("ID").asText() + "/update",
                        Map.of("version", cur.path("Version").path("Index").asText()), body);
                if (cur.path("Spec").path("Labels").path(SpecVersion.LABEL).asText().equals(r.spec().path("Labels").path(SpecVersion.LABEL).asText())) {
                    // the update is Swarm's once its UpdateStatus starts anew (compared by value: no clock involved)
                    sameVersion.put(r.name(), cur.path("UpdateStatus").path("StartedAt").asText(""));
                }
            }
        }
        for (JsonNode s : live) {
            String n = s.path("Spec").path("Name").asText();
            if (rendered.stream().noneMatch(r -> r.name().equals(n))) {
                engine.send("remove service " + n, "DELETE", "/services/" + s.path("ID").asText(), Map.of(), null);
                changed = true;
            }
        }
        return track(spec, changed, false, since, sameVersion);
    }

    /** Fills in the newest version of each secret key the services mount; one request, and only when some do. */
    private void resolveSecrets(List<Rendered> rendered) {
        boolean any = rendered.stream().anyMatch(r -> r.spec().path("TaskTemplate").path("ContainerSpec").has("Secrets"));
        if (!any) {
            return;
        }
        List<SwarmSecrets.Version> all = secrets.versions(null);
        for (Rendered r : rendered) {
            for (JsonNode m : r.spec().path("TaskTemplate").path("ContainerSpec").path("Secrets")) {
                String logical = m.path("SecretName").asText();
                int dot = logical.lastIndexOf('.');
                SwarmSecrets.Version v = secrets.resolve(all, logical.substring(0, dot), logical.substring(dot + 1));
                ((ObjectNode) m).put("SecretID", v.id()).put("SecretName", v.name());
            }
        }
    }

    private void ensureNetwork(String job, String network) {
        ObjectNode body = Engine.JSON.createObjectNode();
        body.put("Name", network);
        body.put("Driver", "overlay");
        body.put("CheckDuplicate", true);
        body.putObject("Labels").put(SpecVersion.JOB_LABEL, job);
        try {
            engine.send("create network " + network, "POST", "/networks/create", Map.of(), body);
        } catch (ConflictException exists) {
            // created by an earlier deploy of this job
        }
    }

    /** Unchanged: same spec version, same replica count, and the same secret versions mounted. */
    private static boolean unchanged(JsonNode live, ObjectNode wanted) {
        JsonNode spec = live.path("Spec");
        if (!wanted.path("Labels").path(SpecVersion.LABEL).asText().equals(spec.path("Labels").path(SpecVersion.LABEL).asText())) {
            return false;
        }
        if (replicas(spec) != replicas(wanted)) {
            return false;
        }
        List<String> liveSecrets = new ArrayList<>();
        spec.path("TaskTemplate").path("ContainerSpec").path("Secrets").forEach(s -> liveSecrets.add(s.path("SecretID").asText()));
        List<String> wantedSecrets = new ArrayList<>();
        wanted.path("TaskTemplate").path("ContainerSpec").path("Secrets").forEach(s -> wantedSecrets.add(s.path("SecretID").asText()));
        return liveSecrets.equals(wantedSecrets);
    }

    /**
     * Follows a deploy, scale or rollback until every group runs its desired healthy tasks of the target version, Swarm
     * rolls the update back or pauses it, or a task of the new version fails outside an update (a new service whose
     * tasks fail their health check: Swarm would restart them for ever). A running task counts once it has stayed
     * running for its service's {@link #minHealthyTime}. Waits on the engine's event stream, re-reading the services and
     * tasks after each relevant event, when the next running task's minHealthyTime is up, after each window of
     * {@link #EVENT_WINDOW}, and after a dropped stream.
     */
    private Deployment track(JobSpec spec, boolean changed, boolean rollback, Instant since, Map<String, String> awaitUpdate) {
        String version = SpecVersion.of(spec);
        String job = spec.name();
        return DeploymentTracker.started(PLATFORM, job, version, changed, (tracker, deadline) -> {
            Instant from = since;
            while (!tracker.isDone()) {
                Instant readAt = Instant.now();
                List<JsonNode> services = services(job);
                JsonNode tasks = tasks(job, services);
                JobStatus status = statusOf(job, services, tasks, readAt);
                if (verdict(tracker, spec, version, rollback, services, tasks, status, since, awaitUpdate)) {
                    return;
                }
                tracker.progress(status);
                Instant now = Instant.now();
                Duration left = Duration.between(now, deadline);
                if (left.isNegative() || left.isZero()) {
                    return;
                }
                Duration window = left.compareTo(EVENT_WINDOW) < 0 ? left : EVENT_WINDOW;
                // a running task counts once it has stayed running for minHealthyTime, which no event announces: wake
                // up then (no sooner than needed), unless an event comes first
                Optional<Instant> counts = nextToCount(services, tasks, readAt);
                if (counts.isPresent()) {
                    Duration untilCounts = Duration.between(now, counts.get());
                    if (untilCounts.isNegative() || untilCounts.isZero()) {
                        from = readAt;
                        continue;
                    }
                    window = untilCounts.compareTo(window) < 0 ? untilCounts : window;
                }
                Set<String> names = new java.util.HashSet<>();
                services.forEach(s -> names.add(s.path("Spec").path("Name").asText()));
                // from the previous read on, so that nothing between that read and this wait is missed
                waitForEvent(names, from, window);
                from = readAt;
            }
        });
    }

    /** Decides the deployment's end, if it has one; returns whether it did. */
    private boolean verdict(DeploymentTracker tracker, JobSpec spec, String version, boolean rollback, List<JsonNode> services,
                            JsonNode tasks, JobStatus status, Instant since, Map<String, String> awaitUpdate) {
        for (JsonNode s : services) {
            JsonNode u = s.path("UpdateStatus");
            String state = u.path("State").asText("");
            boolean recent = u.has("StartedAt") && !Instant.parse(u.path("StartedAt").asText()).isBefore(since.minusSeconds(1));
            if (!recent) {
                continue;
            }
            String msg = u.path("Message").asText();
            switch (state) {
                case "rollback_completed" -> {
                    if (!rollback) {
                        // Swarm ends the rollback once it has placed the old tasks; done when they are healthy again
                        String restored = s.path("Spec").path("Labels").path(SpecVersion.LABEL).asText();
                        if (DeploymentTracker.settled(status.groups(), spec.type(), restored)) {
                            tracker.complete(Outcome.ROLLED_BACK, status, "Swarm rolled " + s.path("Spec").path("Name").asText() + " back: " + msg);
                            return true;
                        }
                        return false;
                    }
                }
                case "paused", "rollback_paused" -> {
                    tracker.complete(Outcome.FAILED, status, "Swarm paused the " + (state.startsWith("rollback") ? "rollback" : "update")
                            + " of " + s.path("Spec").path("Name").asText() + ": " + msg);
                    return true;
                }
                default -> {
                    // updating, rollback_started, completed: go on
                }
            }
        }
        boolean inProgress = services.stream().anyMatch(SwarmOrchestrator::updating);
        for (JsonNode s : services) {
            JsonNode u = s.path("UpdateStatus");
            String before = awaitUpdate.get(s.path("Spec").path("Name").asText());
            boolean ours = before != null && !before.equals(u.path("StartedAt").asText(""));
            if (before != null && !(ours && "completed".equals(u.path("State").asText()))) {
                inProgress = true;
            }
        }
        if (!inProgress && DeploymentTracker.settled(status.groups(), spec.type(), version)) {
            tracker.complete(spec.type() == JobType.BATCH ? Outcome.COMPLETED : Outcome.HEALTHY, status,
                    spec.type() == JobType.BATCH ? "completed" : "healthy");
            return true;
        }
        if (!inProgress) {
            for (JsonNode s : services) {
                JsonNode failed = recentFailure(tasks, s, version, since, spec.type());
                boolean retried = spec.type() == JobType.BATCH
                        && !"none".equals(s.path("Spec").path("TaskTemplate").path("RestartPolicy").path("Condition").asText());
                if (failed != null && !retried) {
                    tracker.complete(Outcome.FAILED, status, "task " + failed.path("ID").asText() + " of " + s.path("Spec").path("Name").asText()
                            + " ended (" + failed.path("Status").path("State").asText() + "): "
                            + (failed.path("Status").path("Err").asText("").isBlank() ? failed.path("Status").path("Message").asText()
                                    : failed.path("Status").path("Err").asText())
                            + (spec.type() == JobType.BATCH ? "" : " (" + restarts(s) + ")"));
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * How long a task of {@code service} must stay running to count as healthy: the service's
     * {@code UpdateConfig.Monitor} (Baton's {@code update.minHealthyTime}), the period in which swarmkit's updater
     * still counts a task's failure against the update; {@link #DEFAULT_MIN_HEALTHY_TIME} when it sets none.
     */
    static Duration minHealthyTime(JsonNode service) {
        long nanos = service.path("Spec").path("UpdateConfig").path("Monitor").asLong(0);
        return nanos > 0 ? Duration.ofNanos(nanos) : DEFAULT_MIN_HEALTHY_TIME;
    }

    /**
     * When a task is running (with a HEALTHCHECK, Swarm reports it running only once the check passed) it counts as
     * healthy after it has stayed so for {@code minHealthyTime}: a container that starts and exits at once is
     * {@code running} for an instant, and until its exit reaches the manager. Before then its health is unknown.
     */
    static Health health(InstanceState state, Instant runningSince, Duration minHealthyTime, Instant now) {
        return switch (state) {
            case RUNNING -> runningSince != null && !runningSince.plus(minHealthyTime).isAfter(now) ? Health.HEALTHY : Health.UNKNOWN;
            case STARTING -> Health.UNHEALTHY;
            default -> Health.UNKNOWN;
        };
    }

    /** The earliest moment after {@code now} at which a running task of the services will have run for its minHealthyTime. */
    private static Optional<Instant> nextToCount(List<JsonNode> services, JsonNode tasks, Instant now) {
        Map<String, Duration> monitor = new HashMap<>();
        services.forEach(s -> monitor.put(s.path("ID").asText(), minHealthyTime(s)));
        Instant next = null;
        for (JsonNode t : tasks) {
            Duration m = monitor.get(t.path("ServiceID").asText());
            if (m == null || !"running".equals(t.path("Status").path("State").asText())
                    || !"running".equals(t.path("DesiredState").asText())) {
                continue;
            }
            Instant counts = Instant.parse(t.path("Status").path("Timestamp").asText()).plus(m);
            if (counts.isAfter(now) && (next == null || counts.isBefore(next))) {
                next = counts;
            }
        }
        return Optional.ofNullable(next);
    }

    /** What Swarm does next with a service task that ended, from its restart policy. */
    private static String restarts(JsonNode service) {
        JsonNode rp = service.path("Spec").path("TaskTemplate").path("RestartPolicy");
        if ("none".equals(rp.path("Condition").asText())) {
            return "Swarm does not restart it";
        }
        int max = rp.path("MaxAttempts").asInt(0);
        return max > 0 ? "Swarm restarts it at most " + max + (max == 1 ? " time" : " times") : "Swarm goes on restarting it";
    }

    /** Whether Swarm is updating or rolling back the service. */
    private static boolean updating(JsonNode service) {
        return Set.of("updating", "rollback_started").contains(service.path("UpdateStatus").path("State").asText());
    }

    /**
     * A task of the new version that ended since the deploy. A service's task should run for ever, so one that
     * completed also counts: Swarm stops an unhealthy container, and a server that exits cleanly on SIGTERM then
     * shows as "complete" rather than "failed".
     */
    private static JsonNode recentFailure(JsonNode tasks, JsonNode service, String version, Instant since, JobType type) {
        for (JsonNode t : tasks) {
            boolean ours = service.path("ID").asText().equals(t.path("ServiceID").asText()) && version.equals(t.path("Spec").path("ContainerSpec").path("Labels").path(SpecVersion.LABEL).asText());
            String state = t.path("Status").path("State").asText();
            boolean ended = FAILED_STATES.contains(state) || (type != JobType.BATCH && "complete".equals(state));
            if (ours && ended
                    && !Instant.parse(t.path("Status").path("Timestamp").asText()).isBefore(since)) {
                return t;
            }
        }
        return null;
    }

    /** Blocks until a relevant service or container event arrives or the window ends; a dropped stream just returns. */
    private void waitForEvent(Set<String> services, Instant since, Duration window) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("since", epochSeconds(since));
        q.put("until", epochSeconds(Instant.now().plus(window)));
        q.put("filters", Engine.filters(Map.of("type", List.of("service", "container"))));
        try {
            engine.stream("follow the engine's events", "/events", q, e -> !relevant(e, services));
        } catch (PlatformUnavailableException dropped) {
            // the stream broke off: the caller re-reads the state, then listens again from where it was
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An instant as the Engine API's {@code since}/{@code until} want it: seconds since the epoch, with a fraction. */
    private static String epochSeconds(Instant t) {
        return t.getEpochSecond() + "." + String.format(Locale.ROOT, "%09d", t.getNano());
    }

    /**
     * An event of one of the services or of their containers that can change a task's state. A HEALTHCHECK runs as an
     * exec in the container every interval ({@code exec_create}, {@code exec_start}, {@code exec_die}); only its
     * outcome changing ({@code health_status: …}) says something, so the exec events do not cause a read.
     */
    static boolean relevant(JsonNode e, Set<String> services) {
        JsonNode attrs = e.path("Actor").path("Attributes");
        if (e.path("Action").asText().startsWith("exec_")) {
            return false;
        }
        return services.contains(attrs.path("name").asText()) || services.contains(attrs.path("com.docker.swarm.service.name").asText());
    }

    @Override
    public JobStatus status(String jobId) {
        String job = name(jobId);
        Instant readAt = Instant.now();
        List<JsonNode> services = services(job);
        return statusOf(job, services, tasks(job, services), readAt);
    }

    /** The tasks of the job's services, in one request (none when there are no services). */
    private JsonNode tasks(String job, List<JsonNode> services) {
        if (services.isEmpty()) {
            return Engine.JSON.createArrayNode();
        }
        List<String> ids = services.stream().map(s -> s.path("ID").asText()).toList();
        return engine.get("list the tasks of " + job, "/tasks", Map.of("filters", Engine.filters(Map.of("service", ids))));
    }

    /** The job's status from services and tasks read after {@code readAt}, which is when a task's minHealthyTime is judged. */
    private JobStatus statusOf(String job, List<JsonNode> services, JsonNode tasks, Instant readAt) {
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        Map<String, JsonNode> nodes = new HashMap<>();
        nodes().forEach(n -> nodes.put(n.path("ID").asText(), n));
        List<GroupStatus> groups = new ArrayList<>();
        JobSpec spec = storedSpec(services.get(0));
        boolean deploying = false;
        for (JsonNode s : services) {
            List<JsonNode> mine = new ArrayList<>();
            tasks.forEach(t -> {
                if (t.path("ServiceID").asText().equals(s.path("ID").asText())) {
                    mine.add(t);
                }
            });
            String g = group(s);
            GroupSpec gs = storedSpec(s).group(g).orElse(null);
            Duration minHealthy = minHealthyTime(s);
            List<InstanceStatus> instances = new ArrayList<>();
            for (JsonNode t : mine) {
                String desired = t.path("DesiredState").asText();
                if (desired.equals("running") || desired.equals("complete") || desired.equals("ready")) {
                    instances.add(instance(t, g, nodes, gs, minHealthy, readAt));
                }
            }
            int desired = replicas(s.path("Spec"));
            if (desired < 0) {
                // a global service: one task per ready, active node, when no constraint narrows them (then: what Swarm placed)
                desired = s.path("Spec").path("TaskTemplate").path("Placement").path("Constraints").size() == 0
                        ? (int) nodes.values().stream().filter(n -> "ready".equals(n.path("Status").path("State").asText())
                                && "active".equals(n.path("Spec").path("Availability").asText())).count()
                        : (int) mine.stream().filter(t -> t.path("DesiredState").asText().equals("running")).count();
            }
            groups.add(new GroupStatus(g, desired, instances));
            deploying |= updating(s);
        }
        String version = services.get(0).path("Spec").path("Labels").path(SpecVersion.LABEL).asText();
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        JobState state = spec.type() == JobType.BATCH && healthy ? JobState.COMPLETED
                : deploying ? JobState.DEPLOYING : healthy ? JobState.RUNNING : JobState.DEPLOYING;
        String message = services.stream().map(s -> s.path("UpdateStatus").path("Message").asText(""))
                .filter(m -> !m.isBlank()).findFirst().orElse(null);
        return new JobStatus(job, spec.namespace(), PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY, version, groups, message);
    }

    private static InstanceStatus instance(JsonNode t, String group, Map<String, JsonNode> nodes, GroupSpec gs, Duration minHealthy, Instant now) {
        JsonNode st = t.path("Status");
        InstanceState state = switch (st.path("State").asText()) {
            case "new", "allocated", "pending", "assigned", "accepted", "preparing", "ready" -> InstanceState.PENDING;
            case "starting" -> InstanceState.STARTING;
            case "running" -> InstanceState.RUNNING;
            case "complete" -> InstanceState.COMPLETED;
            case "failed", "rejected", "orphaned" -> InstanceState.FAILED;
            case "shutdown", "remove" -> InstanceState.STOPPED;
            default -> InstanceState.UNKNOWN;
        };
        // Swarm reports a task with a health check as running only once the check passed; it stays "starting" until then
        Instant runningSince = state == InstanceState.RUNNING ? Instant.parse(st.path("Timestamp").asText()) : null;
        Health health = health(state, runningSince, minHealthy, now);
        JsonNode node = nodes.get(t.path("NodeID").asText());
        String host = node == null ? t.path("NodeID").asText(null) : node.path("Description").path("Hostname").asText();
        String address = node == null ? null : node.path("Status").path("Addr").asText(null);
        Map<String, Integer> ports = new LinkedHashMap<>();
        if (gs != null) {
            gs.tasks().stream().flatMap(x -> x.ports().stream()).filter(p -> p.port() != null).forEach(p -> ports.put(p.name(), p.port()));
        }
        JsonNode cs = st.path("ContainerStatus");
        Integer exit = cs.has("ExitCode") && state.isTerminal() ? cs.path("ExitCode").asInt() : null;
        String reason = st.path("Err").asText(null);
        String slot = t.has("Slot") ? "." + t.path("Slot").asInt() : "." + t.path("NodeID").asText();
        return new InstanceStatus(t.path("ID").asText(), group, state, health, host, address, ports,
                runningSince, exit,
                reason == null || reason.isBlank() ? null : reason + " (" + group + slot + ")",
                t.path("Spec").path("ContainerSpec").path("Labels").path(SpecVersion.LABEL).asText(null), 0);
    }

    private JsonNode nodes() {
        return engine.get("list nodes", "/nodes", Map.of());
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        JsonNode list = engine.get("list services", "/services", Map.of("filters", Engine.filters(Map.of("label", List.of(SpecVersion.JOB_LABEL)))));
        Map<String, JobSummary> out = new LinkedHashMap<>();
        for (JsonNode s : list) {
            JsonNode l = s.path("Spec").path("Labels");
            String job = l.path(SpecVersion.JOB_LABEL).asText();
            Map<String, String> labels = new LinkedHashMap<>();
            l.fields().forEachRemaining(f -> {
                if (!f.getKey().startsWith("baton.dev/")) {
                    labels.put(f.getKey(), f.getValue().asText());
                }
            });
            if (!out.containsKey(job) && selector.matches(labels)) {
                String type = s.path("Spec").path("Mode").has("Global") ? "system"
                        : s.path("Spec").path("Mode").has("ReplicatedJob") ? "batch" : "service";
                out.put(job, new JobSummary(job, l.path(ServiceTranslator.NAMESPACE_LABEL).asText(null), type, labels,
                        updating(s) ? JobState.DEPLOYING : JobState.RUNNING));
            }
        }
        return new ArrayList<>(out.values());
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        String job = name(jobId);
        List<JsonNode> services = services(job);
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        JsonNode s = services.stream().filter(x -> group.equals(group(x))).findFirst().orElseThrow(() -> NotFoundException.of(PLATFORM, "group", group,
                "job " + job + " has groups " + services.stream().map(SwarmOrchestrator::group).toList()));
        ObjectNode spec = s.path("Spec").deepCopy();
        if (!spec.path("Mode").has("Replicated")) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "scale",
                    spec.path("Mode").has("Global") ? "a system job runs one task per node" : "a batch job runs its completions once");
        }
        ((ObjectNode) spec.path("Mode").path("Replicated")).put("Replicas", count);
        Instant since = Instant.now();
        engine.send("scale service " + spec.path("Name").asText(), "POST", "/services/" + s.path("ID").asText() + "/update",
                Map.of("version", s.path("Version").path("Index").asText()), spec);
        return track(storedSpec(s).withCount(group, count), true, false, since, Map.of());
    }

    /**
     * Swarm's own service rollback ({@code rollback=previous}): each service goes back to its {@code PreviousSpec}.
     * docker-java has no call for it, so it is sent through docker-java's HTTP client.
     */
    @Override
    public Deployment rollback(String jobId) {
        String job = name(jobId);
        List<JsonNode> services = services(job);
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        JobSpec previous = null;
        for (JsonNode s : services) {
            if (!s.has("PreviousSpec")) {
                throw ConflictException.of(PLATFORM, "service " + s.path("Spec").path("Name").asText() + " of job " + job + " has no previous version to roll back to");
            }
            previous = Specs.read(s.path("PreviousSpec").path("Labels").path(ServiceTranslator.SPEC_LABEL).asText());
        }
        Instant since = Instant.now();
        for (JsonNode s : services) {
            engine.send("roll back service " + s.path("Spec").path("Name").asText(), "POST", "/services/" + s.path("ID").asText() + "/update",
                    Map.of("version", s.path("Version").path("Index").asText(), "rollback", "previous"), s.path("Spec"));
        }
        JsonNode prevSpec = services.get(0).path("PreviousSpec");
        JobSpec target = previous;
        int count = replicas(prevSpec);
        if (count >= 0 && target.type() == JobType.SERVICE) {
            target = target.withCount(group(services.get(0)), count);
        }
        return track(target, true, true, since, Map.of());
    }

    @Override
    public void undeploy(String jobId) {
        String job = name(jobId);
        List<JsonNode> services = services(job);
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        boolean network = false;
        for (JsonNode s : services) {
            engine.send("remove service " + s.path("Spec").path("Name").asText(), "DELETE", "/services/" + s.path("ID").asText(), Map.of(), null);
            network |= s.path("Spec").path("TaskTemplate").path("Networks").size() > 0;
        }
        if (network) {
            removeNetwork(ServiceTranslator.networkName(job));
        }
    }

    /** The job's overlay network goes once its tasks have left it; the engine refuses while they are still attached. */
    private void removeNetwork(String network) {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                engine.send("remove network " + network, "DELETE", "/networks/" + network, Map.of(), null);
                return;
            } catch (NotFoundException gone) {
                return;
            } catch (RuntimeException stillAttached) {
                try {
                    TimeUnit.MILLISECONDS.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public List<Host> hosts() {
        List<SwarmNode> nodes = engine.typed("list nodes", () -> engine.docker().listSwarmNodesCmd().exec());
        List<Host> out = new ArrayList<>();
        for (SwarmNode n : nodes) {
            var d = n.getDescription();
            var spec = n.getSpec();
            Map<String, String> labels = new LinkedHashMap<>();
            if (spec.getLabels() != null) {
                labels.putAll(spec.getLabels());
            }
            labels.put("node.role", String.valueOf(spec.getRole()).toLowerCase(Locale.ROOT));
            if (d.getPlatform() != null) {
                labels.put("node.platform.os", d.getPlatform().getOs());
                labels.put("node.platform.arch", d.getPlatform().getArchitecture());
            }
            String state = n.getStatus() == null || n.getStatus().getState() == null ? "" : n.getStatus().getState().name().toLowerCase(Locale.ROOT);
            Host.HostState hs = state.equals("ready") ? Host.HostState.READY : state.equals("down") || state.equals("disconnected")
                    ? Host.HostState.DOWN : Host.HostState.UNKNOWN;
            Host.Availability availability = spec.getAvailability() == SwarmNodeAvailability.DRAIN ? Host.Availability.DRAINING
                    : spec.getAvailability() == SwarmNodeAvailability.PAUSE ? Host.Availability.PAUSED : Host.Availability.ACTIVE;
            var res = d.getResources();
            out.add(new Host(n.getId(), d.getHostname(), n.getStatus() == null ? null : n.getStatus().getAddress(), hs, availability, labels,
                    res == null || res.getNanoCPUs() == null ? null : Cpu.ofMillicores(res.getNanoCPUs() / 1_000_000),
                    res == null || res.getMemoryBytes() == null ? null : ByteSize.ofBytes(res.getMemoryBytes()), null, null));
        }
        return out;
    }

    /**
     * Where a portable service answers: for {@code published}, every node's address with the published port (the
     * routing mesh answers on every node); for a task on the host's network, its node's address with the task's port;
     * for {@code internal}, the service's virtual IP on the job's network with the task's port.
     */
    @Override
    public List<Endpoint> endpoints(String serviceName) {
        JsonNode list = engine.get("find service " + serviceName, "/services",
                Map.of("filters", Engine.filters(Map.of("label", List.of(ServiceTranslator.SERVICE_LABEL_PREFIX + serviceName)))));
        List<Endpoint> out = new ArrayList<>();
        JsonNode nodes = null;
        for (JsonNode s : list) {
            JobSpec spec = storedSpec(s);
            GroupSpec g = spec.group(group(s)).orElse(null);
            if (g == null) {
                continue;
            }
            ServiceSpec svc = g.services().stream().filter(x -> x.name().equals(serviceName)).findFirst().orElse(null);
            PortSpec port = svc == null ? null : g.port(svc.port()).orElse(null);
            if (port == null || port.port() == null) {
                continue;
            }
            if (nodes == null) {
                nodes = nodes();
            }
            if (svc.expose() == Exposure.PUBLISHED) {
                for (JsonNode p : s.path("Endpoint").path("Ports")) {
                    if (p.path("TargetPort").asInt() == port.port()) {
                        for (JsonNode n : nodes) {
                            if ("ready".equals(n.path("Status").path("State").asText())) {
                                out.add(new Endpoint(serviceName, n.path("ID").asText(), n.path("Status").path("Addr").asText(), p.path("PublishedPort").asInt()));
                            }
                        }
                    }
                }
            } else if (hostNetwork(spec, s)) {
                Map<String, String> addr = new HashMap<>();
                nodes.forEach(n -> addr.put(n.path("ID").asText(), n.path("Status").path("Addr").asText()));
                JsonNode tasks = engine.get("list the tasks of " + serviceName, "/tasks",
                        Map.of("filters", Engine.filters(Map.of("service", List.of(s.path("ID").asText()), "desired-state", List.of("running")))));
                for (JsonNode t : tasks) {
                    if ("running".equals(t.path("Status").path("State").asText())) {
                        out.add(new Endpoint(serviceName, t.path("ID").asText(), addr.get(t.path("NodeID").asText()), port.port()));
                    }
                }
            } else {
                for (JsonNode vip : s.path("Endpoint").path("VirtualIPs")) {
                    String a = vip.path("Addr").asText();
                    if (!a.isBlank()) {
                        out.add(new Endpoint(serviceName, s.path("ID").asText(), a.contains("/") ? a.substring(0, a.indexOf('/')) : a, port.port()));
                    }
                }
            }
        }
        return out;
    }

    /** Whether the group's tasks use the host's network (set through the {@code swarm} extension). */
    private static boolean hostNetwork(JobSpec spec, JsonNode service) {
        String name = service.path("Spec").path("Name").asText();
        return ServiceTranslator.services(spec).stream().filter(r -> r.name().equals(name)).findFirst()
                .map(r -> {
                    for (JsonNode n : r.spec().path("TaskTemplate").path("Networks")) {
                        if ("host".equals(n.path("Target").asText())) {
                            return true;
                        }
                    }
                    return false;
                }).orElse(false);
    }

    /** Follows the engine's event stream for the job's services and their containers, resuming after a drop. */
    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        String job = name(jobId);
        Thread t = new Thread(() -> {
            Instant since = Instant.now();
            while (!Thread.currentThread().isInterrupted()) {
                Instant[] last = {since};
                try {
                    Map<String, String> q = new LinkedHashMap<>();
                    q.put("since", epochSeconds(since));
                    q.put("filters", Engine.filters(Map.of("type", List.of("service", "container"))));
                    engine.stream("watch " + job, "/events", q, e -> {
                        JsonNode attrs = e.path("Actor").path("Attributes");
                        String svc = attrs.path("name").asText();
                        boolean service = "service".equals(e.path("Type").asText()) && svc.startsWith(job + "_");
                        boolean container = job.equals(attrs.path(SpecVersion.JOB_LABEL).asText());
                        if (service || container) {
                            String group = container ? attrs.path(SpecVersion.GROUP_LABEL).asText(null) : svc.substring(job.length() + 1);
                            String instance = container ? attrs.path("com.docker.swarm.task.id").asText(null) : null;
                            String detail = attrs.has("updatestate.new") ? " " + attrs.path("updatestate.new").asText() : "";
                            listener.accept(Event.instance(job, Event.Type.PLATFORM, group, instance,
                                    e.path("Type").asText() + " " + e.path("Action").asText() + detail));
                        }
                        last[0] = Instant.ofEpochSecond(0, e.path("timeNano").asLong());
                        return !Thread.currentThread().isInterrupted();
                    });
                } catch (RuntimeException dropped) {
                    // reconnect below, from the last event seen
                }
                since = last[0];
                try {
                    TimeUnit.MILLISECONDS.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }, "baton-swarm-events-" + job);
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    /** The last lines of each service's logs (the engine's service logs: json-file or journald log drivers). */
    @Override
    public List<LogLine> logs(String jobId, int tailLines) {
        String job = name(jobId);
        List<LogLine> out = java.util.Collections.synchronizedList(new ArrayList<>());
        for (JsonNode s : services(job)) {
            String id = s.path("ID").asText();
            String svc = s.path("Spec").path("Name").asText();
            engine.typed("read the logs of " + svc, () -> {
                try {
                    return engine.docker().logServiceCmd(id).withStdout(true).withStderr(true).withTail(tailLines).withDetails(false)
                            .exec(new ResultCallback.Adapter<Frame>() {
                                @Override
                                public void onNext(Frame f) {
                                    String text = new String(f.getPayload(), java.nio.charset.StandardCharsets.UTF_8);
                                    text.lines().forEach(l -> out.add(new LogLine(svc, f.getStreamType().name().toLowerCase(Locale.ROOT), l)));
                                }
                            }).awaitCompletion(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        }
        return out;
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        return type == SecretsFacet.class || type == HostMaintenanceFacet.class || type == LogsFacet.class
                ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public void put(String name, SecretData data) {
        SecretRules.check(name, data);
        secrets.put(name, data);
    }

    @Override
    public List<SecretInfo> list() {
        return secrets.list();
    }

    @Override
    public void delete(String name) {
        SecretRules.checkName(name);
        secrets.delete(name);
    }

    /**
     * Sets the node's availability to {@code drain}: Swarm stops its tasks at once (each within its stop grace period)
     * and places replicas elsewhere. Swarm drains global-service tasks too and has no drain deadline, so
     * {@code ignoreSystemJobs} and a {@code deadline} are refused rather than ignored.
     */
    @Override
    public void drain(String hostId, Duration deadline, boolean ignoreSystemJobs) {
        if (ignoreSystemJobs) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "drain ignoring system jobs", "a drained Swarm node stops the tasks of global services too");
        }
        if (deadline != null) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "drain with a deadline", "Swarm stops a drained node's tasks at once; it has no drain deadline");
        }
        availability(hostId, SwarmNodeAvailability.DRAIN);
    }

    @Override
    public void activate(String hostId) {
        availability(hostId, SwarmNodeAvailability.ACTIVE);
    }

    private void availability(String hostId, SwarmNodeAvailability availability) {
        SwarmNode node = engine.typed("inspect node " + hostId, () -> engine.docker().listSwarmNodesCmd().withIdFilter(List.of(hostId)).exec())
                .stream().filter(n -> n.getId().equals(hostId) || hostId.equals(n.getDescription().getHostname())).findFirst()
                .orElseThrow(() -> NotFoundException.of(PLATFORM, "host", hostId, "no Swarm node has this id"));
        SwarmNodeSpec spec = node.getSpec().withAvailability(availability);
        engine.typed("set node " + hostId + " " + availability, () -> engine.docker().updateSwarmNodeCmd().withSwarmNodeId(node.getId())
                .withVersion(node.getVersion().getIndex()).withSwarmNodeSpec(spec).exec());
    }

    @Override
    public void close() {
        engine.close();
    }
}
