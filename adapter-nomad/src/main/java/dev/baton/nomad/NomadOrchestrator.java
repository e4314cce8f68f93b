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
import dev.baton.UnsupportedCapabilityException;
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
public final class NomadOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, dev.baton.LogsFacet, dev.baton.spi.SpecRefusals {
    private static final String PLATFORM = JobTranslator.PLATFORM;
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration BLOCK = Duration.ofSeconds(30);

    private final NomadClient client;
    private final NomadSecrets secrets;
    /** The streams of the watches not yet closed, cancelled by {@link #close()}. */
    private final java.util.Set<NomadClient.StreamHandle> watches;
    /**
     * The jobs ({@code namespace/name}) this orchestrator registered, or found unchanged, with Baton's spec meta, and has
     * not seen otherwise since: their undeploy sends the {@code DELETE} alone. Nomad's {@code DELETE /v1/job/:id} takes
     * no index to check against (its register does, {@code EnforceIndex}), so a read before it can only narrow, not
     * close, the window in which someone else replaces the job; a job not known here is read first and left alone when
     * Baton did not create it.
     */
    private final java.util.Set<String> ours;

    NomadOrchestrator(NomadClient client) {
        this(client, java.util.concurrent.ConcurrentHashMap.newKeySet(), java.util.concurrent.ConcurrentHashMap.newKeySet());
    }

    /** This orchestrator in another namespace: the same connection, and its watches closed with this one's. */
    private NomadOrchestrator(NomadClient client, java.util.Set<NomadClient.StreamHandle> watches, java.util.Set<String> ours) {
        this.client = client;
        this.secrets = new NomadSecrets(client);
        this.watches = watches;
        this.ours = ours;
    }

    /**
     * The orchestrator whose requests carry {@code namespace} ({@code ?namespace=}; Nomad takes it per request): this one
     * when it is null or the connection's (NOMAD_NAMESPACE, the default, not a limit).
     */
    private NomadOrchestrator in(String namespace) {
        NomadClient scoped = client.inNamespace(namespace);
        return scoped == client ? this : new NomadOrchestrator(scoped, watches, ours);
    }

    /** The orchestrator of a job id's namespace ({@code namespace/name}); this one for a bare name. */
    private NomadOrchestrator at(String jobId) {
        return in(JobRef.parse(jobId, null).namespace());
    }

    /**
     * An orchestrator on the {@link okhttp3.OkHttpClient} your application already has, talking to the Nomad server at
     * {@code address} (such as {@code http://127.0.0.1:4646}), validated and capability-checked like one from
     * {@code Orchestrators.connect}. The client is used as given — its interceptors (add {@code X-Nomad-Token} there),
     * proxy, TLS and dispatcher — with its read timeout as each request's timeout; blocking queries and the event stream
     * use clients derived from it with {@code newBuilder()}, sharing its pool and dispatcher. Baton never shuts it down:
     * closing the orchestrator leaves the client usable. Requests run on the client's dispatcher, so its
     * {@code maxRequestsPerHost} (5 by default) bounds how many awaits and watches run at once.
     *
     * @since 0.1
     */
    public static Orchestrator using(okhttp3.OkHttpClient client, java.net.URI address) {
        java.util.Objects.requireNonNull(client, "client");
        java.util.Objects.requireNonNull(address, "address");
        okhttp3.HttpUrl url = okhttp3.HttpUrl.get(address);
        if (url == null) {
            throw new IllegalArgumentException("not an http or https address: " + address);
        }
        dev.baton.spi.RetryPolicy retry = dev.baton.OrchestratorConfig.builder().environment(Map.of()).build().retryPolicy();
        return new dev.baton.internal.GuardedOrchestrator(new NomadOrchestrator(new NomadClient(List.of(url), retry, client)),
                NomadProvider.CAPABILITIES);
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

    /**
     * The translation's structural refusals (an exec check on Nomad's own provider, a published port other than the task's,
     * update knobs the job type ignores, values below Nomad's minimums), all at once.
     */
    @Override
    public List<dev.baton.Unsupported> refusals(JobSpec spec) {
        return JobTranslator.refusals(spec);
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

    /** Whether a job's (or a job list entry's) meta holds the spec Baton stores in every job it registers. */
    private static boolean managed(JsonNode meta) {
        return !meta.path(JobTranslator.SPEC_META).asText("").isBlank();
    }

    /**
     * The job, if Baton created it. A job of that name that Baton did not create (registered with the Nomad CLI, say:
     * it has no {@value JobTranslator#SPEC_META} meta) is not one of Baton's jobs: it is reported as not found, with a
     * message that says it is there, and nothing is done to it.
     */
    private JsonNode managed(JsonNode job, String name) {
        if (!managed(job.path("Meta"))) {
            ours.remove(key(name));
            throw NotFoundException.of(PLATFORM, foreign(name) + ": Baton does not read, change or remove it");
        }
        return job;
    }

    /** What a job of that name that Baton did not create is. */
    private static String foreign(String name) {
        return "job " + name + " exists on " + PLATFORM + " but is not managed by Baton (it has no " + JobTranslator.SPEC_META + " meta)";
    }

    @Override
    public Plan plan(JobSpec spec) {
        NomadOrchestrator in = in(spec.namespace());
        if (in != this) {
            return in.plan(spec);
        }
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
        NomadOrchestrator in = in(spec.namespace());
        if (in != this) {
            return in.deploy(spec, options);
        }
        ObjectNode job = JobTranslator.job(spec, client.namespace());
        Optional<JsonNode> live = job(spec.name());
        if (live.isPresent() && !managed(live.get().path("Meta"))) {
            ours.remove(key(spec.name()));
            throw ConflictException.of(PLATFORM, foreign(spec.name()) + ": Baton does not replace it; remove it with the Nomad CLI, or deploy under another name");
        }
        if (live.isPresent() && unchanged(live.get(), job)) {
            ours.add(key(spec.name()));
            return track(spec, false, Registered.unchanged(live.get()));
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.set("Job", job);
        body.put("EnforceIndex", true);
        body.put("JobModifyIndex", live.map(j -> j.path("JobModifyIndex").asLong()).orElse(0L));
        JsonNode answer;
        try {
            answer = client.write("POST", "/v1/jobs", Map.of(), body).body();
        } catch (dev.baton.PlatformException | dev.baton.InvalidSpecException e) {
            if (e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("job modify index")) {
                throw ConflictException.of(PLATFORM, "job " + spec.name() + " was changed by someone else since it was read: " + e.getMessage(), e);
            }
            throw e;
        }
        ours.add(key(spec.name()));
        return track(spec, true, Registered.write(answer, job));
    }

    /** A job's key in {@link #ours}: its namespace and name. */
    private String key(String name) {
        return client.namespace() + "/" + name;
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

    /**
     * What an await follows. After a write (register, scale, revert, promotion): the {@code JobModifyIndex} its answer
     * names (structs.JobRegisterResponse), which the deployment Nomad makes for it carries as its own
     * {@code JobModifyIndex}; the write's raft index, where the first blocking query starts (so it waits for the
     * scheduler instead of answering at once); and the job as written, which the await judges the allocations by
     * without reading it back. An unchanged deploy follows the job as it was read ({@code written} false).
     */
    private record Registered(boolean written, long modifyIndex, long index, JsonNode job) {

        static Registered unchanged(JsonNode live) {
            return new Registered(false, live.path("JobModifyIndex").asLong(0), 0, live);
        }

        /** A write's answer: its JobModifyIndex, and the highest of the indexes it names as where to wait from. */
        static Registered write(JsonNode answer, JsonNode job) {
            long modify = answer.path("JobModifyIndex").asLong(0);
            long index = Math.max(modify, Math.max(answer.path("EvalCreateIndex").asLong(0), answer.path("Index").asLong(0)));
            return new Registered(true, modify, index, job);
        }
    }

    /** Deployment statuses in which Nomad is still rolling a version out (structs.go Deployment.Active). */
    private static final java.util.Set<String> ACTIVE = java.util.Set.of("running", "paused", "blocked", "unblocking", "initializing", "pending");

    /**
     * What Nomad appends to a failed deployment's description when it auto-reverts the job, in the same raft write
     * (structs.go DeploymentStatusDescriptionRollback: {@code "<reason> - rolling back to job version <n>"}; the
     * deployment watcher's update carries the reverted job, deployment_watcher.go, v1.6.5 and v1.9).
     */
    static final String ROLLING_BACK = " - rolling back to job version ";

    private Deployment track(JobSpec spec, boolean changed, Registered registered) {
        String version = SpecVersion.of(spec);
        String name = spec.name();
        // every request of the await is cut at its deadline: when one is, the tracker reports TIMED_OUT
        return DeploymentTracker.started(PLATFORM, name, version, changed,
                (tracker, deadline) -> client.until(deadline, () -> follow(tracker, deadline, spec, registered)));
    }

    private static String label(JsonNode job) {
        return job.path("Meta").path(SpecVersion.LABEL).asText();
    }

    /**
     * Follows a deploy, scale, revert or promotion until the job settles on the version written, Nomad fails it, or the
     * deadline passes, keeping what it waits on from the blocking queries that tell it.
     *
     * <p>A write of a job Nomad rolls out in a deployment (a service job with an update strategy): blocking queries on
     * {@code /v1/job/:id/deployment}, the first from the write's own index, each from the index the one before answered,
     * until the deployment with this write's {@code JobModifyIndex} ends — the scheduler creates it a moment after the
     * write, and until then the endpoint answers the previous, possibly failed, one. Its {@code JobVersion} and
     * {@code JobCreateIndex} complete the job as written. Successful: the allocations settle it. Failed with Nomad
     * reverting (its description says so): the job is read once and the version it went back to is followed, ending
     * {@code ROLLED_BACK}. Otherwise failed or cancelled: {@code FAILED}.
     *
     * <p>Then, and for every other job: one read of the job's allocations ({@code /v1/allocations} with their resources),
     * then blocking queries on that same list, each from the index the one before answered, until every group has its
     * instances of the version and no other; a system or batch job's instance counts after its min healthy time, which no
     * event announces, so the wait then ends no later than that moment. A system or batch job's write makes no
     * deployment to name its version: the job is read once for it.
     */
    private void follow(DeploymentTracker tracker, Instant deadline, JobSpec spec, Registered registered) {
        String version = SpecVersion.of(spec);
        String name = spec.name();
        String target = version;
        JsonNode job = registered.job();
        if (registered.written() && deploys(job)) {
            long index = registered.index();
            while (true) {
                Duration left = Duration.between(Instant.now(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return;
                }
                NomadClient.Answer a;
                try {
                    a = client.block(jobPath(name, "deployment"), Map.of(), index, wait(left, null, Instant.now()));
                } catch (NotFoundException e) {
                    a = new NomadClient.Answer(NomadClient.JSON.nullNode(), index);
                }
                index = Math.max(index, a.index());
                JsonNode d = a.body();
                long of = d == null || d.isNull() ? 0 : d.path("JobModifyIndex").asLong(0);
                if (of != registered.modifyIndex()) {
                    if (of > registered.modifyIndex()) {
                        // a later write of the job, with a deployment of its own: follow the job as it is now
                        job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
                        target = label(job);
                        break;
                    }
                    continue;
                }
                String status = d.path("Status").asText();
                if (ACTIVE.contains(status)) {
                    continue;
                }
                ObjectNode written = job.deepCopy();
                written.put("Version", d.path("JobVersion").asLong());
                written.put("CreateIndex", d.path("JobCreateIndex").asLong());
                written.put("JobModifyIndex", registered.modifyIndex());
                job = written;
                if ("successful".equals(status)) {
                    break;
                }
                String description = d.path("StatusDescription").asText();
                if (description.contains(ROLLING_BACK)) {
                    job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
                    target = label(job);
                    tracker.event(Event.of(name, Event.Type.DEPLOYMENT_FAILED, "nomad reverted the job to version " + target));
                    break;
                }
                tracker.complete(Outcome.FAILED, view(name, job, allocations(name, null, null)).status(), "deployment " + status + ": " + description);
                return;
            }
        } else if (registered.written()) {
            // no deployment names the version this write made: the job does
            job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
            target = label(job);
        }
        boolean reverted = !target.equals(version);
        boolean system = "system".equals(job.path("Type").asText());
        NomadClient.Answer allocs = allocations(name, null, null);
        while (!tracker.isDone()) {
            View view = view(name, job, allocs);
            JobStatus status = view.status();
            if (DeploymentTracker.settled(status.groups(), spec.type(), target)) {
                tracker.complete(reverted ? Outcome.ROLLED_BACK : spec.type() == JobType.BATCH ? Outcome.COMPLETED : Outcome.HEALTHY,
                        status, reverted ? "rolled back to version " + target : "healthy");
                return;
            }
            tracker.progress(status);
            if (!reverted && view.failure() != null && system) {
                tracker.complete(Outcome.FAILED, status, view.failure());
                return;
            }
            Instant now = Instant.now();
            Duration left = Duration.between(now, deadline);
            if (left.isNegative() || left.isZero()) {
                return;
            }
            if (view.due() != null && !view.due().isAfter(now)) {
                allocs = allocations(name, null, null);
                continue;
            }
            allocs = allocations(name, allocs.index(), wait(left, view.due(), now));
        }
    }

    /**
     * A blocking query's wait: Nomad's is in whole seconds (and a 0 means its 5-minute default), so the time left is
     * rounded down, that the answer still fits before the deadline, and a due moment up, that the read after it sees it;
     * at least one second (cut at the deadline by the client), at most {@link #BLOCK}.
     */
    private static Duration wait(Duration left, Instant due, Instant now) {
        long seconds = Math.max(1, Math.min(left.toSeconds(), BLOCK.toSeconds()));
        if (due != null) {
            seconds = Math.min(seconds, Math.max(1, (Duration.between(now, due).toMillis() + 999) / 1000));
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * Whether Nomad rolls a new version of the job out in a deployment (scheduler/reconcile.go createDeployment): only a
     * service job (the generic scheduler; the system scheduler makes none and the API gives batch jobs no update
     * strategy), with a group that has a count and an update strategy that is not empty (MaxParallel above 0,
     * structs.go UpdateStrategy.IsEmpty; api/jobs.go DefaultUpdateStrategy has MaxParallel 1).
     */
    static boolean deploys(JsonNode job) {
        if (!"service".equals(job.path("Type").asText("service"))) {
            return false;
        }
        for (JsonNode g : job.path("TaskGroups")) {
            if (g.path("Count").asInt(1) > 0 && update(job, g, "MaxParallel", 1) > 0) {
                return true;
            }
        }
        return false;
    }

    /** A knob of a group's update block: the group's, else the job's (api/tasks.go TaskGroup.Canonicalize merges them), else {@code dflt}. */
    private static long update(JsonNode job, JsonNode group, String knob, long dflt) {
        JsonNode g = group.path("Update").path(knob);
        if (g.isNumber()) {
            return g.asLong();
        }
        JsonNode j = job.path("Update").path(knob);
        return j.isNumber() ? j.asLong() : dflt;
    }

    /**
     * The job's allocations with their resources, from {@code /v1/allocations} filtered to the job with
     * {@code resources=true} (with {@code index}, a blocking query waiting up to {@code wait}): {@code /v1/job/:id/allocations}
     * answers stubs made with {@code alloc.Stub(nil)}, which never carry {@code AllocatedResources}
     * (nomad/job_endpoint.go Allocations), while the list endpoint includes them on request (nomad/alloc_endpoint.go
     * List with AllocStubFields; allocations.mdx "resources"), so ports and host addresses cost no request per
     * allocation. The list endpoint is a blocking query too (alloc_endpoint.go List: blockingRPC on the allocs table).
     */
    private NomadClient.Answer allocations(String name, Long index, Duration wait) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("filter", "JobID == \"" + bexpr(name) + "\"");
        query.put("resources", "true");
        return index == null ? client.get("/v1/allocations", query) : client.block("/v1/allocations", query, index, wait);
    }

    /**
     * The allocations of this job: the list is by job ID only, so allocations of an earlier job of the same ID (purged
     * and registered again) are left out as {@code /v1/job/:id/allocations} leaves them out, by their CreateIndex.
     */
    private static List<JsonNode> own(String name, JsonNode job, JsonNode allocs) {
        List<JsonNode> own = new ArrayList<>();
        long created = job.path("CreateIndex").asLong(0);
        for (JsonNode a : allocs) {
            if (name.equals(a.path("JobID").asText()) && a.path("CreateIndex").asLong(Long.MAX_VALUE) >= created) {
                own.add(a);
            }
        }
        return own;
    }

    /** A string in a go-bexpr expression's double quotes. */
    private static String bexpr(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Two reads: the job, and its allocations with their resources. */
    @Override
    public JobStatus status(String jobId) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.status(jobId);
        }
        String name = name(jobId);
        JsonNode job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
        return view(name, job, allocations(name, null, null)).status();
    }

    /**
     * The job's status, when a re-read could change a verdict without Nomad announcing it ({@code due}), and for a
     * system job, why its current version failed (an allocation failed, or was not healthy by the healthy deadline).
     */
    private record View(JobStatus status, Instant due, String failure) {
    }

    /** Min healthy time and healthy deadline when the job sets none (api/jobs.go DefaultUpdateStrategy, v1.6.5 and v1.9). */
    static final Duration DEFAULT_MIN_HEALTHY_TIME = Duration.ofSeconds(10);
    static final Duration DEFAULT_HEALTHY_DEADLINE = Duration.ofMinutes(5);

    /**
     * The job's status from the job (as read, or as written and completed by its deployment) and its allocations. Only
     * the job's current version is known by its spec version (the version history is read for a rollback only): an
     * allocation of an older job version has none.
     */
    private View view(String name, JsonNode job, NomadClient.Answer allocations) {
        List<JsonNode> allocs = own(name, job, allocations.body());
        JobSpec spec = Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText());
        Map<Long, String> versions = new HashMap<>();
        versions.put(job.path("Version").asLong(), job.path("Meta").path(SpecVersion.LABEL).asText());
        String version = job.path("Meta").path(SpecVersion.LABEL).asText();
        boolean service = "service".equals(job.path("Type").asText("service"));
        Instant now = Instant.now();
        Instant[] due = {null};
        String failure = null;
        List<GroupStatus> groups = new ArrayList<>();
        for (JsonNode tg : job.path("TaskGroups")) {
            String g = tg.path("Name").asText();
            GroupSpec gs = spec.group(g).orElse(null);
            Judge judge = service ? null : new Judge(job, tg, now);
            List<InstanceStatus> instances = new ArrayList<>();
            for (JsonNode a : allocs) {
                if (!g.equals(a.path("TaskGroup").asText()) || "stop".equals(a.path("DesiredStatus").asText())) {
                    continue;
                }
                Health health = service ? deploymentHealth(a) : judge.health(a);
                InstanceStatus i = instance(a, versions, health, gs);
                instances.add(i);
                if (judge != null && version.equals(i.version())) {
                    if (failure == null && i.state() == InstanceState.FAILED) {
                        failure = "allocation " + a.path("Name").asText() + " failed: " + a.path("ClientDescription").asText() + reason(i);
                    } else if (failure == null && i.state() != InstanceState.FAILED && health != Health.HEALTHY && judge.pastDeadline(a)) {
                        failure = "allocation " + a.path("Name").asText() + " was not healthy within its healthy deadline of "
                                + judge.healthyDeadline.toSeconds() + "s";
                    }
                }
            }
            if (judge != null && judge.due != null && (due[0] == null || judge.due.isBefore(due[0]))) {
                due[0] = judge.due;
            }
            // a system group runs once on each eligible node: as many as the scheduler placed (at least one); its Count,
            // which the API canonicalizes to 1 (api/tasks.go TaskGroup.Canonicalize), says nothing
            int desired = "system".equals(job.path("Type").asText()) || !tg.path("Count").isNumber() ? Math.max(1, instances.size())
                    : tg.path("Count").asInt();
            groups.add(new GroupStatus(g, desired, instances));
        }
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        String st = job.hasNonNull("Status") ? job.path("Status").asText() : jobStatus(job, allocs);
        JobState state = "dead".equals(st) ? (spec.type() == JobType.BATCH && healthy ? JobState.COMPLETED : JobState.STOPPED)
                : "pending".equals(st) ? JobState.PENDING : healthy ? JobState.RUNNING : JobState.DEPLOYING;
        return new View(new JobStatus(name, job.path("Namespace").asText(null), PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY,
                version, groups, job.path("StatusDescription").asText(null)), due[0], failure);
    }

    /**
     * The job's status as Nomad derives it (state_store.go getJobStatus), for a job known as written rather than read:
     * a periodic or parameterized job is running until stopped; otherwise running while an allocation is not terminal,
     * pending before any, dead after.
     */
    private static String jobStatus(JsonNode job, List<JsonNode> allocs) {
        if (job.hasNonNull("Periodic") || job.hasNonNull("ParameterizedJob")) {
            return job.path("Stop").asBoolean() ? "dead" : "running";
        }
        if (allocs.isEmpty()) {
            return "pending";
        }
        boolean live = allocs.stream().anyMatch(a -> !"stop".equals(a.path("DesiredStatus").asText()) && !"evict".equals(a.path("DesiredStatus").asText())
                && ("pending".equals(a.path("ClientStatus").asText()) || "running".equals(a.path("ClientStatus").asText())));
        return live ? "running" : "dead";
    }

    private static String reason(InstanceStatus i) {
        return i.reason() == null ? "" : " (" + i.reason() + (i.exitCode() == null ? "" : ", exit code " + i.exitCode()) + ")";
    }

    /**
     * A service allocation's health is Nomad's: the client's health hook reports it in {@code DeploymentStatus.Healthy}
     * once the tasks ran and passed their checks for {@code min_healthy_time} (the update block's in a deployment, the
     * migrate block's otherwise). Before that report a running allocation is not healthy yet: a task that exits at once
     * is running for a moment between restarts.
     */
    private static Health deploymentHealth(JsonNode a) {
        JsonNode healthy = a.path("DeploymentStatus").path("Healthy");
        if (!"running".equals(a.path("ClientStatus").asText())) {
            return "failed".equals(a.path("ClientStatus").asText()) ? Health.UNHEALTHY : Health.UNKNOWN;
        }
        return healthy.isBoolean() ? (healthy.asBoolean() ? Health.HEALTHY : Health.UNHEALTHY) : Health.UNKNOWN;
    }

    /**
     * Health of a system or batch allocation, which Nomad does not judge (its health hook is a no-op for non-service
     * jobs, client/allocrunner/health_hook.go, and the system scheduler makes no deployment), judged as Nomad judges a
     * service allocation (client/allochealth/tracker.go): every task running (TaskStates), for the group's
     * {@code min_healthy_time} since the last start (TaskState.StartedAt is reset at each start, task_runner.go
     * updateStateImpl), and then every healthiness check of its nomad-provider services passing, as the client reports
     * them at {@code /v1/allocation/:id/checks} (command/agent/alloc_endpoint.go allocChecks; structs.CheckQueryResult,
     * readiness checks, {@code on_update = "ignore"}, do not count). Checks are read only for allocations whose tasks have
     * run long enough. A failed allocation is unhealthy. Consul checks are not visible here: with the consul provider
     * the task states alone decide.
     */
    private final class Judge {
        final Duration minHealthy;
        final Duration healthyDeadline;
        final Duration checkInterval;
        final boolean checks;
        final Instant now;
        Instant due;

        Judge(JsonNode job, JsonNode group, Instant now) {
            this.now = now;
            this.minHealthy = Duration.ofNanos(update(job, group, "MinHealthyTime", DEFAULT_MIN_HEALTHY_TIME.toNanos()));
            this.healthyDeadline = Duration.ofNanos(update(job, group, "HealthyDeadline", DEFAULT_HEALTHY_DEADLINE.toNanos()));
            List<JsonNode> services = new ArrayList<>();
            group.path("Services").forEach(services::add);
            group.path("Tasks").forEach(t -> t.path("Services").forEach(services::add));
            long interval = Long.MAX_VALUE;
            boolean any = false;
            for (JsonNode s : services) {
                if (!"nomad".equals(s.path("Provider").asText())) {
                    continue;
                }
                for (JsonNode c : s.path("Checks")) {
                    if (!"ignore".equals(c.path("OnUpdate").asText())) {
                        any = true;
                        interval = Math.min(interval, c.path("Interval").asLong(DEFAULT_MIN_HEALTHY_TIME.toNanos()));
                    }
                }
            }
            this.checks = any;
            this.checkInterval = any ? Duration.ofNanos(Math.max(1_000_000_000L, interval)) : null;
        }

        Health health(JsonNode a) {
            String cs = a.path("ClientStatus").asText();
            if ("failed".equals(cs) || "lost".equals(cs)) {
                return Health.UNHEALTHY;
            }
            if (!"running".equals(cs)) {
                return Health.UNKNOWN;
            }
            Instant since = null;
            var states = a.path("TaskStates").fields();
            if (!states.hasNext()) {
                return Health.UNKNOWN;
            }
            while (states.hasNext()) {
                JsonNode ts = states.next().getValue();
                if (!"running".equals(ts.path("State").asText()) || !started(ts)) {
                    return Health.UNKNOWN;
                }
                Instant s = Instant.parse(ts.path("StartedAt").asText());
                since = since == null || s.isAfter(since) ? s : since;
            }
            Instant counts = since.plus(minHealthy);
            if (counts.isAfter(now)) {
                dueAt(counts);
                return Health.UNKNOWN;
            }
            if (!checks) {
                return Health.HEALTHY;
            }
            JsonNode results;
            try {
                results = client.get("/v1/allocation/" + a.path("ID").asText() + "/checks", Map.of()).body();
            } catch (NotFoundException e) {
                return Health.UNKNOWN;
            }
            boolean any = false;
            for (JsonNode c : results) {
                if ("readiness".equals(c.path("Mode").asText())) {
                    continue;
                }
                any = true;
                if (!"success".equals(c.path("Status").asText())) {
                    // a check's result changes at most once an interval: look again then
                    dueAt(now.plus(checkInterval));
                    return "failure".equals(c.path("Status").asText()) ? Health.UNHEALTHY : Health.UNKNOWN;
                }
            }
            if (!any) {
                dueAt(now.plus(checkInterval));
                return Health.UNKNOWN;
            }
            return Health.HEALTHY;
        }

        /** Whether the allocation is past its healthy deadline (from its creation), unhealthy; the moment is otherwise noted as due. */
        boolean pastDeadline(JsonNode a) {
            long created = a.path("CreateTime").asLong(0);
            if (created <= 0) {
                return false;
            }
            Instant by = Instant.ofEpochSecond(0, created).plus(healthyDeadline);
            if (by.isAfter(now)) {
                dueAt(by);
                return false;
            }
            return true;
        }

        private void dueAt(Instant t) {
            due = due == null || t.isBefore(due) ? t : due;
        }
    }

    private static boolean started(JsonNode ts) {
        return ts.hasNonNull("StartedAt") && !ts.path("StartedAt").asText().startsWith("0001");
    }

    private static InstanceStatus instance(JsonNode a, Map<Long, String> versions, Health health, GroupSpec gs) {
        InstanceState state = switch (a.path("ClientStatus").asText()) {
            case "pending" -> InstanceState.PENDING;
            case "running" -> InstanceState.RUNNING;
            case "complete" -> InstanceState.COMPLETED;
            case "failed", "lost" -> InstanceState.FAILED;
            default -> InstanceState.UNKNOWN;
        };
        Map<String, Integer> ports = new LinkedHashMap<>();
        String address = null;
        // the group network's ports, with the address of the host they are bound on (structs.AllocatedPortMapping)
        JsonNode shared = a.path("AllocatedResources").path("Shared");
        for (JsonNode p : shared.path("Ports")) {
            String label = p.path("Label").asText();
            String portName = gs == null ? label : gs.tasks().stream().flatMap(t -> t.ports().stream())
                    .filter(x -> JobTranslator.label(x.name()).equals(label)).map(x -> x.name()).findFirst().orElse(label);
            ports.put(portName, p.path("Value").asInt());
            address = p.path("HostIP").asText(address);
        }
        if (address == null) {
            for (JsonNode n : shared.path("Networks")) {
                address = n.hasNonNull("IP") && !n.path("IP").asText().isEmpty() ? n.path("IP").asText() : address;
            }
        }
        Instant started = null;
        Integer exit = null;
        String reason = null;
        int restarts = 0;
        var states = a.path("TaskStates").fields();
        while (states.hasNext()) {
            JsonNode ts = states.next().getValue();
            restarts += ts.path("Restarts").asInt();
            if (started(ts)) {
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

    /**
     * The jobs Baton deployed: {@code /v1/jobs?meta=true}, without the jobs Baton did not create (no
     * {@value JobTranslator#SPEC_META} meta) and without the children Nomad derives from a periodic (or parameterized)
     * job — each launch is a job {@code <parent>/periodic-<unix time>} with {@code ParentID} set and the parent's Meta
     * copied (nomad/periodic.go deriveJob), not a job of its own.
     */
    @Override
    public List<JobSummary> list(Selector selector) {
        JsonNode jobs = client.get("/v1/jobs", Map.of("meta", "true")).body();
        List<JobSummary> out = new ArrayList<>();
        for (JsonNode j : jobs) {
            JsonNode meta = j.path("Meta");
            if (!managed(meta) || !meta.has(SpecVersion.JOB_LABEL) || !j.path("ParentID").asText("").isEmpty()) {
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

    /**
     * {@code POST /v1/job/:id/scale}. A system job is refused before anything is sent: it runs once on every eligible
     * node, and Nomad answers {@code cannot scale jobs of type "system"} (nomad/job_endpoint.go Scale). A scale while a
     * deployment of the job is active is refused by Nomad with a 400 {@code job scaling blocked due to active deployment}
     * (same place): a conflict, reported as {@link ConflictException}.
     */
    @Override
    public Deployment scale(String jobId, String group, int count) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.scale(jobId, group, count);
        }
        String name = name(jobId);
        JsonNode job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
        JobSpec spec = Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText());
        if (spec.group(group).isEmpty()) {
            throw NotFoundException.of(PLATFORM, "group", group, "job " + name + " has groups " + spec.groups().stream().map(GroupSpec::name).toList());
        }
        if (spec.type() == JobType.SYSTEM) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "scaling a system job",
                    "Nomad runs a system job's groups once on every eligible node and refuses to scale them");
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("Count", count);
        body.putObject("Target").put("Group", group);
        body.put("Message", "scaled by baton");
        JsonNode answer;
        try {
            answer = client.write("POST", jobPath(name, "scale"), Map.of(), body).body();
        } catch (dev.baton.OrchestratorException e) {
            if (!(e instanceof ConflictException) && String.valueOf(e.getMessage()).contains(SCALE_BLOCKED)) {
                throw ConflictException.of(PLATFORM, "job " + name + " cannot be scaled while its deployment is running: " + e.getMessage(), e);
            }
            throw e;
        }
        ObjectNode written = job.deepCopy();
        for (JsonNode g : written.path("TaskGroups")) {
            if (group.equals(g.path("Name").asText())) {
                ((ObjectNode) g).put("Count", count);
            }
        }
        return track(spec.withCount(group, count), true, Registered.write(answer, written));
    }

    /** Nomad's answer to a scale during an active deployment (nomad/job_endpoint.go Scale, v1.6.5 and v1.9). */
    static final String SCALE_BLOCKED = "job scaling blocked due to active deployment";
    /** Nomad's answer to a revert whose EnforcePriorVersion is no longer the current version (nomad/job_endpoint.go Revert). */
    static final String STALE_REVERT = "Current job has version";

    /**
     * {@code POST /v1/job/:id/revert} to the newest older version of a different spec, with {@code EnforcePriorVersion}:
     * when the job changed since its versions were read, Nomad answers (uncoded, so HTTP 500) {@code Current job has
     * version <n>; enforcing version <m>} (nomad/job_endpoint.go Revert), reported as {@link ConflictException}.
     */
    @Override
    public Deployment rollback(String jobId) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.rollback(jobId);
        }
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
        managed(current, name);
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
        JsonNode answer;
        try {
            answer = client.write("POST", jobPath(name, "revert"), Map.of(), body).body();
        } catch (dev.baton.OrchestratorException e) {
            if (!(e instanceof ConflictException) && String.valueOf(e.getMessage()).contains(STALE_REVERT)) {
                throw ConflictException.of(PLATFORM, "job " + name + " changed since its versions were read (version "
                        + current.path("Version").asLong() + "): " + e.getMessage(), e);
            }
            throw e;
        }
        JobSpec spec = Specs.read(previous.path("Meta").path(JobTranslator.SPEC_META).asText());
        return track(spec, true, Registered.write(answer, previous));
    }

    /**
     * Promotes the canaries of the job's running deployment (for updates whose canaries are not auto-promoted, such as
     * one set by an extension), with {@code POST /v1/deployment/promote/:id}.
     */
    public Deployment promote(String jobId) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.promote(jobId);
        }
        String name = name(jobId);
        JsonNode job = managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
        JsonNode d;
        try {
            d = client.get(jobPath(name, "deployment"), Map.of()).body();
        } catch (NotFoundException e) {
            d = null;
        }
        d = d == null || d.isNull() ? null : d;
        if (d == null || !"running".equals(d.path("Status").asText())) {
            throw ConflictException.of(PLATFORM, "job " + name + " has no running deployment to promote" + (d == null ? "" : " (latest: " + d.path("Status").asText() + ")"));
        }
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("DeploymentID", d.path("ID").asText());
        body.put("All", true);
        JsonNode answer = client.write("POST", "/v1/deployment/promote/" + d.path("ID").asText(), Map.of(), body).body();
        // the deployment promoted is the one the await follows, from the promotion's index
        return track(Specs.read(job.path("Meta").path(JobTranslator.SPEC_META).asText()), true,
                new Registered(true, d.path("JobModifyIndex").asLong(), answer.path("DeploymentModifyIndex").asLong(0), job));
    }

    /**
     * Stops and purges the job; a job Baton did not create is refused ({@link NotFoundException}) and left as it is. A
     * job this orchestrator registered (or found unchanged) is deleted without reading it first ({@link #ours}); the
     * {@code DELETE}'s own answer tells whether there was a job to delete then.
     */
    @Override
    public void undeploy(String jobId) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            at.undeploy(jobId);
            return;
        }
        String name = name(jobId);
        if (!ours.remove(key(name))) {
            managed(job(name).orElseThrow(() -> NotFoundException.job(PLATFORM, name)), name);
        }
        // Job.Deregister answers a job that does not exist with an empty reply, not a 404 (job_endpoint.go: "if job ==
        // nil { return nil }", v1.6 to v1.9): no eval and JobModifyIndex 0
        JsonNode answer = client.write("DELETE", jobPath(name), Map.of("purge", "true"), null).body();
        if (answer.path("JobModifyIndex").asLong(0) == 0 && answer.path("EvalID").asText("").isEmpty()) {
            throw NotFoundException.job(PLATFORM, name);
        }
    }

    /**
     * The cluster's nodes: {@code /v1/nodes} for the list, then {@code /v1/node/:id} for each, since a list entry
     * (structs.NodeListStub, v1.6.5 and v1.9) has no Meta at all and of the Attributes only {@code os.name} (with
     * {@code os=true}); labels are the node's Attributes with its Meta over them (the {@code node.labels.*} of a
     * placement are {@code ${meta.*}}). A node gone between the two reads is left out.
     */
    @Override
    public List<Host> hosts() {
        List<Host> out = new ArrayList<>();
        for (JsonNode stub : client.get("/v1/nodes", Map.of()).body()) {
            JsonNode n;
            try {
                n = client.get("/v1/node/" + stub.path("ID").asText(), Map.of()).body();
            } catch (NotFoundException e) {
                continue;
            }
            JsonNode res = n.path("NodeResources");
            boolean eligible = "eligible".equals(n.path("SchedulingEligibility").asText());
            boolean draining = n.hasNonNull("DrainStrategy") || stub.path("Drain").asBoolean();
            Host.Availability availability = draining ? Host.Availability.DRAINING : eligible ? Host.Availability.ACTIVE : Host.Availability.PAUSED;
            Map<String, String> labels = new LinkedHashMap<>();
            n.path("Attributes").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            n.path("Meta").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            out.add(new Host(n.path("ID").asText(), n.path("Name").asText(), stub.path("Address").asText(null),
                    "ready".equals(n.path("Status").asText()) ? Host.HostState.READY : Host.HostState.DOWN, availability, labels,
                    res.path("Cpu").has("CpuShares") ? Cpu.ofMillicores(res.path("Cpu").path("CpuShares").asLong() * 1000 / JobTranslator.MHZ_PER_CORE) : null,
                    res.path("Memory").has("MemoryMB") ? ByteSize.ofMebibytes(res.path("Memory").path("MemoryMB").asLong()) : null,
                    null, null));
        }
        return out;
    }

    @Override
    public List<Endpoint> endpoints(String serviceId) {
        NomadOrchestrator at = at(serviceId);
        if (at != this) {
            return at.endpoints(serviceId);
        }
        String serviceName = name(serviceId);
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

    /**
     * Follows Nomad's event stream for the job's events from now on: topics {@code Job:<job>}, {@code Allocation:<job>}
     * and {@code Deployment:<job>} (allocation and deployment events carry the job ID as a filter key,
     * nomad/state/events.go). A stream subscribed at index 0 starts at the broker's buffer head and replays up to its
     * {@code event_buffer_size} frames of history, and one subscribed at index N starts <em>at</em> the frame of N when
     * that is still buffered (nomad/stream/event_broker.go Subscribe, event_buffer.go StartAtClosest). So the watch
     * starts at the job's current index — the highest {@code X-Nomad-Index} of the three tables these topics come from
     * (jobs, allocs, deployment), read before this returns — resumes at the last frame's index after a drop, and
     * delivers only frames above the last one delivered, each once.
     */
    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.watch(jobId, listener);
        }
        String name = name(jobId);
        Map<String, List<String>> topics = Map.of("topic", List.of("Job:" + name, "Allocation:" + name, "Deployment:" + name));
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong(currentIndex(name));
        NomadClient.StreamHandle handle = new NomadClient.StreamHandle();
        watches.add(handle);
        Thread t = new Thread(() -> {
            while (!handle.isCancelled() && !Thread.currentThread().isInterrupted()) {
                try {
                    client.stream(topics, seen.get(), frame -> deliver(name, frame, seen, listener), handle);
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
        // the stream's request is cancelled, not only the thread interrupted: a thread blocked reading a socket does not
        // notice an interrupt
        return () -> {
            watches.remove(handle);
            handle.cancel();
            t.interrupt();
        };
    }

    /** The job's events of one stream frame, unless the frame's index is not above the last frame delivered. */
    static void deliver(String name, JsonNode frame, java.util.concurrent.atomic.AtomicLong seen, Consumer<Event> listener) {
        long at = frame.path("Index").asLong(0);
        if (at <= seen.get()) {
            return;
        }
        seen.set(at);
        for (JsonNode e : frame.path("Events")) {
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
    }

    /**
     * The index the job's events stand at now: the highest {@code X-Nomad-Index} of the jobs list (the jobs table), the
     * job's allocations (the allocs table) and its latest deployment (the deployment table); none of them is a 404 for a
     * job that does not exist yet.
     */
    private long currentIndex(String name) {
        long jobs = client.get("/v1/jobs", Map.of("prefix", name)).index();
        long allocs = client.get(jobPath(name, "allocations"), Map.of()).index();
        long deployment;
        try {
            deployment = client.get(jobPath(name, "deployment"), Map.of()).index();
        } catch (NotFoundException e) {
            deployment = 0;
        }
        return Math.max(jobs, Math.max(allocs, deployment));
    }

    /**
     * The tail of each started task's stdout and stderr of each of the job's allocations, from the client's log
     * endpoint. A task that has not started is skipped without a request (Nomad answers 404 {@code task "<t>" not
     * started yet. No logs available}, client/fs_endpoint.go logsImpl); a task whose logs cannot be read (its allocation
     * collected, its client gone: a 404, or another error of that client) is skipped and the others are kept. Only
     * when no task could be read at all is the first such error thrown.
     */
    @Override
    public List<LogLine> logs(String jobId, int tailLines) {
        NomadOrchestrator at = at(jobId);
        if (at != this) {
            return at.logs(jobId, tailLines);
        }
        String name = name(jobId);
        List<LogLine> out = new ArrayList<>();
        RuntimeException first = null;
        int read = 0;
        for (JsonNode a : client.get(jobPath(name, "allocations"), Map.of()).body()) {
            if ("stop".equals(a.path("DesiredStatus").asText())) {
                continue;
            }
            var tasks = a.path("TaskStates").fields();
            while (tasks.hasNext()) {
                var task = tasks.next();
                if (!started(task.getValue())) {
                    continue;
                }
                List<LogLine> lines = new ArrayList<>();
                try {
                    for (String type : List.of("stdout", "stderr")) {
                        String text = client.text("/v1/client/fs/logs/" + a.path("ID").asText(), Map.of("task", task.getKey(), "type", type,
                                "plain", "true", "origin", "end", "offset", Long.toString((long) tailLines * 256)));
                        List<String> all = text.lines().toList();
                        all.subList(Math.max(0, all.size() - tailLines), all.size())
                                .forEach(l -> lines.add(new LogLine(a.path("Name").asText(a.path("ID").asText()) + "." + task.getKey(), type, l)));
                    }
                } catch (NotFoundException | dev.baton.PlatformException e) {
                    first = first == null ? e : first;
                    continue;
                }
                read++;
                out.addAll(lines);
            }
        }
        if (read == 0 && first != null) {
            throw first;
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
        watches.forEach(NomadClient.StreamHandle::cancel);
        watches.clear();
        client.close();
    }
}
