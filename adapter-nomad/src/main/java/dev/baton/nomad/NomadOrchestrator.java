package dev.baton.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Capabilities;
import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.HostMaintenanceFacet;
import dev.baton.Manifest;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import dev.baton.SecretsFacet;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Subscription;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.nomad.internal.JobTranslator;
import dev.baton.nomad.internal.NomadClient;
import dev.baton.nomad.internal.NomadSecrets;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
import dev.baton.plan.Plan;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.JobRef;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The orchestrator of {@code nomad://}: jobs registered through Nomad's HTTP API v1, guarded by
 * {@code EnforceIndex}/{@code JobModifyIndex}, followed with blocking queries.
 *
 * @since 0.1
 */
public final class NomadOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, dev.baton.LogsFacet {
    private static final String PLATFORM = JobTranslator.PLATFORM;
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration BLOCK = Duration.ofSeconds(30);

    private final NomadClient client;
    private final NomadSecrets secrets;

    NomadOrchestrator(NomadClient client) {
        this.client = client;
        this.secrets = new NomadSecrets(client);
    }

    private static String jobPath(String job, String... rest) {
        StringBuilder sb = new StringBuilder("/v1/job/").append(job);
        for (String r : rest) {
            sb.append('/').append(r);
        }
        return sb.toString();
    }

    private static String name(String jobId) {
        return JobRef.parse(jobId, null).name();
    }

    @Override
    public PlatformInfo platform() {
        JsonNode leader = client.get("/v1/status/leader", Map.of()).body();
        JsonNode self = client.get("/v1/agent/self", Map.of()).body();
        String version = self.path("config").path("Version").path("Version").asText(null);
        return new PlatformInfo(PLATFORM, version, leader.asText(null));
    }

    @Override
    public Capabilities capabilities() {
        return NomadProvider.CAPABILITIES;
    }

    @Override
    public Manifest render(JobSpec spec) {
        ObjectNode wrapped = NomadClient.JSON.createObjectNode();
        wrapped.set("Job", JobTranslator.job(spec, client.namespace()));
        try {
            return new Manifest(PLATFORM, "application/json", PRETTY.writeValueAsString(wrapped));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<JsonNode> job(String name) {
        try {
            return Optional.of(client.get(jobPath(name), Map.of()).body());
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public Plan plan(JobSpec spec) {
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.set("Job", JobTranslator.job(spec, client.namespace()));
        body.put("Diff", true);
        JsonNode r = client.write("POST", jobPath(spec.name(), "plan"), Map.of(), body).body();
        JsonNode diff = r.path("Diff");
        String type = diff.path("Type").asText("None");
        List<FieldChange> fields = new ArrayList<>();
        flatten("", diff, fields);
        Change.Action action = switch (type) {
            case "Added" -> Change.Action.CREATE;
            case "Deleted" -> Change.Action.DESTROY;
            case "None" -> Change.Action.NONE;
            default -> Change.Action.UPDATE;
        };
        List<String> warnings = new ArrayList<>();
        if (!r.path("Warnings").asText("").isBlank()) {
            warnings.add(r.path("Warnings").asText());
        }
        r.path("FailedTGAllocs").fields().forEachRemaining(f -> warnings.add("group " + f.getKey() + " could not be placed: " + f.getValue()));
        return new Plan(PLATFORM, spec.name(), List.of(new Change(action, "job", spec.name(), action == Change.Action.UPDATE ? fields : List.of())),
                List.of(), warnings);
    }

    /** Nomad's job diff (Fields, Objects, TaskGroups, Tasks) as dotted field changes. */
    private static void flatten(String prefix, JsonNode diff, List<FieldChange> out) {
        for (JsonNode f : diff.path("Fields")) {
            if (!"None".equals(f.path("Type").asText())) {
                out.add(new FieldChange(prefix + f.path("Name").asText(), f.path("Old").asText(null), f.path("New").asText(null)));
            }
        }
        for (String child : List.of("Objects", "TaskGroups", "Tasks")) {
            for (JsonNode o : diff.path(child)) {
                if (!"None".equals(o.path("Type").asText())) {
                    flatten(prefix + o.path("Name").asText(child) + ".", o, out);
                }
            }
        }
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        ObjectNode job = JobTranslator.job(spec, client.namespace());
        Optional<JsonNode> live = job(spec.name());
        if (live.isPresent() && unchanged(live.get(), job)) {
            return track(spec, false);
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.set("Job", job);
        body.put("EnforceIndex", true);
        body.put("JobModifyIndex", live.map(j -> j.path("JobModifyIndex").asLong()).orElse(0L));
        try {
            client.write("POST", "/v1/jobs", Map.of(), body);
        } catch (dev.baton.PlatformException | dev.baton.InvalidSpecException e) {
            if (e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("job modify index")) {
                throw ConflictException.of(PLATFORM, "job " + spec.name() + " was changed by someone else since it was read: " + e.getMessage(), e);
            }
            throw e;
        }
        return track(spec, true);
    }

    private static boolean unchanged(JsonNode live, ObjectNode job) {
        if (live.path("Stop").asBoolean(false)) {
            return false;
        }
        if (!job.path("Meta").path(SpecVersion.LABEL).asText().equals(live.path("Meta").path(SpecVersion.LABEL).asText())) {
            return false;
        }
        Map<String, Integer> counts = new HashMap<>();
        live.path("TaskGroups").forEach(g -> counts.put(g.path("Name").asText(), g.path("Count").asInt()));
        for (JsonNode g : job.path("TaskGroups")) {
            if (g.has("Count") && !Integer.valueOf(g.path("Count").asInt()).equals(counts.get(g.path("Name").asText()))) {
                return false;
            }
        }
        return true;
    }

    private Deployment track(JobSpec spec, boolean changed) {
        String version = SpecVersion.of(spec);
        return DeploymentTracker.started(PLATFORM, spec.name(), version, changed, (tracker, deadline) -> {
            long index = 0;
            String target = version;
            while (!tracker.isDone()) {
                // the deployment first: a failure it reports is then matched by the allocations read after it
                JsonNode d = latestDeployment(spec.name());
                JobStatus status = statusOf(spec.name(), d);
                if (!target.equals(status.version())) {
                    // Nomad reverted the job (auto_revert): follow the version it went back to
                    target = status.version();
                    tracker.event(Event.of(spec.name(), Event.Type.DEPLOYMENT_FAILED, "nomad reverted the job to version " + target));
                }
                String tgt = target;
                if (DeploymentTracker.settled(status.groups(), spec.type(), tgt)) {
                    boolean reverted = !tgt.equals(version);
                    tracker.complete(reverted ? Outcome.ROLLED_BACK : spec.type() == JobType.BATCH ? Outcome.COMPLETED : Outcome.HEALTHY,
                            status, reverted ? "rolled back to version " + tgt : "healthy");
                    return;
                }
                tracker.progress(status);
                if (d != null && "failed".equals(d.path("Status").asText()) && tgt.equals(version)
                        && (!autoRevert(spec) || !hasStablePrevious(spec.name(), version))) {
                    tracker.complete(Outcome.FAILED, status, "deployment failed: " + d.path("StatusDescription").asText());
                    return;
                }
                Duration left = Duration.between(Instant.now(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return;
                }
                Duration wait = left.compareTo(BLOCK) < 0 ? Duration.ofSeconds(Math.max(1, left.toSeconds())) : BLOCK;
                long next = client.block(jobPath(spec.name(), "allocations"), index, wait).index();
                // an index that goes backwards means the servers' state was reset: start over from 0
                index = next < index ? 0 : next;
            }
        });
    }

    /** Whether Nomad has an earlier stable version of another spec to revert to. */
    private boolean hasStablePrevious(String job, String version) {
        for (JsonNode v : client.get(jobPath(job, "versions"), Map.of()).body().path("Versions")) {
            if (v.path("Stable").asBoolean() && !version.equals(v.path("Meta").path(SpecVersion.LABEL).asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean autoRevert(JobSpec spec) {
        return spec.update() != null && spec.update().onFailure() == dev.baton.model.OnFailure.ROLLBACK;
    }

    private JsonNode latestDeployment(String job) {
        try {
            JsonNode d = client.get(jobPath(job, "deployment"), Map.of()).body();
            return d == null || d.isNull() ? null : d;
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public JobStatus status(String jobId) {
        String name = name(jobId);
        return statusOf(name, latestDeployment(name));
    }

    /** The job's status; {@code deployment} is its latest deployment (or null), which says whose health Nomad is judging. */
    private JobStatus statusOf(String name, JsonNode deployment) {
        JsonNode job = job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name));
        JobSpec spec = Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText());
        Map<Long, String> versions = new HashMap<>();
        for (JsonNode v : client.get(jobPath(name, "versions"), Map.of()).body().path("Versions")) {
            versions.put(v.path("Version").asLong(), v.path("Meta").path(SpecVersion.LABEL).asText());
        }
        versions.put(job.path("Version").asLong(), job.path("Meta").path(SpecVersion.LABEL).asText());
        JsonNode allocs = client.get(jobPath(name, "allocations"), Map.of()).body();
        boolean checks = spec.groups().stream().anyMatch(g -> g.tasks().stream().anyMatch(t -> !t.health().isEmpty()));
        List<GroupStatus> groups = new ArrayList<>();
        for (JsonNode tg : job.path("TaskGroups")) {
            String g = tg.path("Name").asText();
            GroupSpec gs = spec.group(g).orElse(null);
            List<InstanceStatus> instances = new ArrayList<>();
            for (JsonNode a : allocs) {
                if (g.equals(a.path("TaskGroup").asText()) && !"stop".equals(a.path("DesiredStatus").asText())) {
                    instances.add(instance(a, versions, checks, judging(deployment, a), gs));
                }
            }
            int desired = tg.has("Count") ? tg.path("Count").asInt() : 1;
            groups.add(new GroupStatus(g, desired, instances));
        }
        String version = job.path("Meta").path(SpecVersion.LABEL).asText();
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        String st = job.path("Status").asText();
        JobState state = "dead".equals(st) ? (spec.type() == JobType.BATCH && healthy ? JobState.COMPLETED : JobState.STOPPED)
                : "pending".equals(st) ? JobState.PENDING : healthy ? JobState.RUNNING : JobState.DEPLOYING;
        return new JobStatus(name, job.path("Namespace").asText(null), PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY,
                version, groups, job.path("StatusDescription").asText(null));
    }

    /**
     * Whether Nomad is judging the allocation's health: it belongs to the job version of a deployment that has not
     * succeeded (nor been cancelled), so its health is Nomad's {@code DeploymentStatus.Healthy} once the client reports
     * it, after the tasks ran and passed their checks for {@code min_healthy_time}, and not known before. (The
     * allocation list has no {@code DeploymentID}; a deployment's allocations are those of its job version.)
     */
    static boolean judging(JsonNode deployment, JsonNode alloc) {
        if (deployment == null || deployment.path("JobVersion").asLong(-1) != alloc.path("JobVersion").asLong(-2)) {
            return false;
        }
        String st = deployment.path("Status").asText();
        return !"successful".equals(st) && !"cancelled".equals(st);
    }

    private static InstanceStatus instance(JsonNode a, Map<Long, String> versions, boolean checks, boolean judging, GroupSpec gs) {
        InstanceState state = switch (a.path("ClientStatus").asText()) {
            case "pending" -> InstanceState.PENDING;
            case "running" -> InstanceState.RUNNING;
            case "complete" -> InstanceState.COMPLETED;
            case "failed", "lost" -> InstanceState.FAILED;
            default -> InstanceState.UNKNOWN;
        };
        JsonNode healthy = a.path("DeploymentStatus").path("Healthy");
        // healthy means stayed healthy: a running allocation Nomad has not yet reported on in its deployment (a task that
        // exits at once is running for a moment between restarts) is not healthy yet, checks or not
        Health health = state != InstanceState.RUNNING ? Health.UNKNOWN
                : healthy.isBoolean() ? (healthy.asBoolean() ? Health.HEALTHY : Health.UNHEALTHY)
                : checks || judging ? Health.UNKNOWN : Health.HEALTHY;
        Map<String, Integer> ports = new LinkedHashMap<>();
        String address = null;
        JsonNode shared = a.path("AllocatedResources").path("Shared");
        for (JsonNode p : shared.path("Ports")) {
            String label = p.path("Label").asText();
            String portName = gs == null ? label : gs.tasks().stream().flatMap(t -> t.ports().stream())
                    .filter(x -> JobTranslator.label(x.name()).equals(label)).map(x -> x.name()).findFirst().orElse(label);
            ports.put(portName, p.path("Value").asInt());
            address = p.path("HostIP").asText(address);
        }
        Instant started = null;
        Integer exit = null;
        String reason = null;
        int restarts = 0;
        var states = a.path("TaskStates").fields();
        while (states.hasNext()) {
            JsonNode ts = states.next().getValue();
            restarts += ts.path("Restarts").asInt();
            if (ts.hasNonNull("StartedAt") && !ts.path("StartedAt").asText().startsWith("0001")) {
                started = Instant.parse(ts.path("StartedAt").asText());
            }
            for (JsonNode ev : ts.path("Events")) {
                if ("Terminated".equals(ev.path("Type").asText())) {
                    exit = ev.path("ExitCode").asInt();
                    reason = ev.path("DisplayMessage").asText(null);
                }
            }
        }
        return new InstanceStatus(a.path("ID").asText(), a.path("TaskGroup").asText(), state, health, a.path("NodeName").asText(null),
                address, ports, started, exit, reason, versions.get(a.path("JobVersion").asLong()), restarts);
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        JsonNode jobs = client.get("/v1/jobs", Map.of("meta", "true")).body();
        List<JobSummary> out = new ArrayList<>();
        for (JsonNode j : jobs) {
            JsonNode meta = j.path("Meta");
            if (!meta.has(SpecVersion.JOB_LABEL)) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            meta.fields().forEachRemaining(f -> {
                if (!f.getKey().startsWith("baton.dev/")) {
                    labels.put(f.getKey(), f.getValue().asText());
                }
            });
            if (selector.matches(labels)) {
                String st = j.path("Status").asText();
                out.add(new JobSummary(j.path("ID").asText(), j.path("Namespace").asText(null), j.path("Type").asText(), labels,
                        "running".equals(st) ? JobState.RUNNING : "dead".equals(st) ? JobState.STOPPED : JobState.PENDING));
            }
        }
        return out;
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        String name = name(jobId);
        JsonNode job = job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name));
        JobSpec spec = Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText());
        if (spec.group(group).isEmpty()) {
            throw NotFoundException.of(PLATFORM, "group", group, "job " + name + " has groups " + spec.groups().stream().map(GroupSpec::name).toList());
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("Count", count);
        body.putObject("Target").put("Group", group);
        body.put("Message", "scaled by baton");
        client.write("POST", jobPath(name, "scale"), Map.of(), body);
        return track(spec.withCount(group, count), true);
    }

    @Override
    public Deployment rollback(String jobId) {
        String name = name(jobId);
        JsonNode versions = client.get(jobPath(name, "versions"), Map.of()).body().path("Versions");
        if (versions.isEmpty()) {
            throw NotFoundException.job(PLATFORM, name);
        }
        JsonNode current = versions.get(0);
        for (JsonNode v : versions) {
            if (v.path("Version").asLong() > current.path("Version").asLong()) {
                current = v;
            }
        }
        String currentVersion = current.path("Meta").path(SpecVersion.LABEL).asText();
        JsonNode previous = null;
        for (JsonNode v : versions) {
            boolean older = v.path("Version").asLong() < current.path("Version").asLong();
            boolean different = !currentVersion.equals(v.path("Meta").path(SpecVersion.LABEL).asText());
            if (older && different && (previous == null || v.path("Version").asLong() > previous.path("Version").asLong())) {
                previous = v;
            }
        }
        if (previous == null) {
            throw ConflictException.of(PLATFORM, "job " + name + " has no previous version to roll back to");
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("JobID", name);
        body.put("JobVersion", previous.path("Version").asLong());
        body.put("EnforcePriorVersion", current.path("Version").asLong());
        client.write("POST", jobPath(name, "revert"), Map.of(), body);
        JobSpec spec = Specs.read(previous.path("Meta").path(JobTranslator.SPEC_META).asText());
        return track(spec, true);
    }

    /**
     * Promotes the canaries of the job's running deployment (for updates whose canaries are not auto-promoted, such as
     * one set by an extension), with {@code POST /v1/deployment/promote/:id}.
     */
    public Deployment promote(String jobId) {
        String name = name(jobId);
        JsonNode d = latestDeployment(name);
        if (d == null || !"running".equals(d.path("Status").asText())) {
            throw ConflictException.of(PLATFORM, "job " + name + " has no running deployment to promote" + (d == null ? "" : " (latest: " + d.path("Status").asText() + ")"));
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("DeploymentID", d.path("ID").asText());
        body.put("All", true);
        client.write("POST", "/v1/deployment/promote/" + d.path("ID").asText(), Map.of(), body);
        JsonNode job = job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name));
        return track(Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText()), true);
    }

    @Override
    public void undeploy(String jobId) {
        String name = name(jobId);
        if (job(name).isEmpty()) {
            throw NotFoundException.job(PLATFORM, name);
        }
        client.write("DELETE", jobPath(name), Map.of("purge", "true"), null);
    }

    @Override
    public List<Host> hosts() {
        List<Host> out = new ArrayList<>();
        for (JsonNode n : client.get("/v1/nodes", Map.of("resources", "true")).body()) {
            JsonNode res = n.path("NodeResources");
            boolean eligible = "eligible".equals(n.path("SchedulingEligibility").asText());
            Host.Availability availability = n.path("Drain").asBoolean() ? Host.Availability.DRAINING
                    : eligible ? Host.Availability.ACTIVE : Host.Availability.PAUSED;
            Map<String, String> labels = new LinkedHashMap<>();
            n.path("Attributes").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            out.add(new Host(n.path("ID").asText(), n.path("Name").asText(), n.path("Address").asText(null),
                    "ready".equals(n.path("Status").asText()) ? Host.HostState.READY : Host.HostState.DOWN, availability, labels,
                    res.path("Cpu").has("CpuShares") ? Cpu.ofMillicores(res.path("Cpu").path("CpuShares").asLong() * 1000 / JobTranslator.MHZ_PER_CORE) : null,
                    res.path("Memory").has("MemoryMB") ? ByteSize.ofMebibytes(res.path("Memory").path("MemoryMB").asLong()) : null,
                    null, null));
        }
        return out;
    }

    @Override
    public List<Endpoint> endpoints(String serviceName) {
        List<Endpoint> out = new ArrayList<>();
        try {
            for (JsonNode s : client.get("/v1/service/" + serviceName, Map.of()).body()) {
                out.add(new Endpoint(serviceName, s.path("AllocID").asText(), s.path("Address").asText(), s.path("Port").asInt()));
            }
        } catch (NotFoundException e) {
            return List.of();
        }
        return out;
    }

    /** Follows Nomad's event stream for the job's events, resuming from the last index after a drop. */
    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        String name = name(jobId);
        Map<String, List<String>> topics = Map.of("topic", List.of("Job:" + name, "Allocation:*", "Deployment:*"));
        Thread t = new Thread(() -> {
            long index = 0;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    index = client.stream(topics, index, line -> {
                        for (JsonNode e : line.path("Events")) {
                            boolean ours = name.equals(e.path("Key").asText());
                            for (JsonNode k : e.path("FilterKeys")) {
                                ours |= name.equals(k.asText());
                            }
                            if (ours) {
                                listener.accept(Event.instance(name, Event.Type.PLATFORM, null,
                                        "Allocation".equals(e.path("Topic").asText()) ? e.path("Key").asText() : null,
                                        e.path("Topic").asText() + " " + e.path("Type").asText()));
                            }
                        }
                    });
                } catch (RuntimeException e) {
                    // unreachable for now: try again after a pause
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }, "baton-nomad-events-" + name);
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    /** The tail of each task's stdout and stderr of each of the job's allocations, from the client's log endpoint. */
    @Override
    public List<LogLine> logs(String jobId, int tailLines) {
        String name = name(jobId);
        List<LogLine> out = new ArrayList<>();
        for (JsonNode a : client.get(jobPath(name, "allocations"), Map.of()).body()) {
            if ("stop".equals(a.path("DesiredStatus").asText())) {
                continue;
            }
            var tasks = a.path("TaskStates").fieldNames();
            while (tasks.hasNext()) {
                String task = tasks.next();
                for (String type : List.of("stdout", "stderr")) {
                    String text = client.text("/v1/client/fs/logs/" + a.path("ID").asText(), Map.of("task", task, "type", type,
                            "plain", "true", "origin", "end", "offset", Long.toString((long) tailLines * 256)));
                    List<String> lines = text.lines().toList();
                    lines.subList(Math.max(0, lines.size() - tailLines), lines.size())
                            .forEach(l -> out.add(new LogLine(a.path("Name").asText(a.path("ID").asText()) + "." + task, type, l)));
                }
            }
        }
        return out;
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        // NomadOrchestrator itself too, for Nomad-only operations such as promote
        return type == SecretsFacet.class || type == HostMaintenanceFacet.class || type == dev.baton.LogsFacet.class
                || type == NomadOrchestrator.class ? Optional.of(type.cast(this)) : Optional.empty();
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

    @Override
    public void drain(String hostId, Duration deadline, boolean ignoreSystemJobs) {
        ObjectNode body = NomadClient.JSON.createObjectNode();
        ObjectNode spec = body.putObject("DrainSpec");
        spec.put("Deadline", deadline == null ? Duration.ofHours(1).toNanos() : deadline.toNanos());
        spec.put("IgnoreSystemJobs", ignoreSystemJobs);
        body.put("MarkEligible", false);
        client.write("POST", "/v1/node/" + hostId + "/drain", Map.of(), body);
    }

    @Override
    public void activate(String hostId) {
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.putNull("DrainSpec");
        body.put("MarkEligible", true);
        client.write("POST", "/v1/node/" + hostId + "/drain", Map.of(), body);
    }

    @Override
    public void close() {
        client.close();
    }
}
