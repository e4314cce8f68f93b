package dev.baton.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.Capabilities;
import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Manifest;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.PlatformUnavailableException;
import dev.baton.Selector;
import dev.baton.Specs;
import dev.baton.Subscription;
import dev.baton.marathon.internal.AppTranslator;
import dev.baton.marathon.internal.EventStream;
import dev.baton.marathon.internal.MarathonClient;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.ServiceSpec;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
import dev.baton.plan.Plan;
import dev.baton.spi.DeploymentTracker;
import dev.baton.spi.JobRef;
import dev.baton.spi.JsonDiff;
import dev.baton.spi.SpecRefusals;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The orchestrator of {@code marathon://}: services as Marathon apps, one per group, under a Marathon group named
 * after the job; waits on the event stream, one per orchestrator, which every deploy, await and watch shares.
 *
 * @since 0.1
 */
public final class MarathonOrchestrator implements Orchestrator, SpecRefusals {
    private static final String PLATFORM = AppTranslator.PLATFORM;
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SERVICE_LABEL = "baton.dev/service.";
    /**
     * What a deploy reads of a job's group ({@code GET /v2/groups/[ns/]job}, one request for all its groups): the apps
     * with their tasks, deployments and last task failure, the pods' statuses (with their definitions), and the groups
     * below ({@code api/v2/InfoEmbedResolver}, v1.10.26).
     */
    private static final Map<String, List<String>> GROUP_EMBEDS = Map.of("embed", List.of("group.apps", "group.apps.tasks",
            "group.apps.deployments", "group.apps.lastTaskFailure", "group.pods", "group.groups"));
    /** How long a wait gives the event stream to attach before its first read (it reads then even if it has not). */
    private static final Duration ATTACH_WAIT = Duration.ofSeconds(2);
    /** How long a wait pauses, unless an event comes, before it reads again after Marathon did not answer a read in time. */
    private static final Duration UNANSWERED_PAUSE = Duration.ofSeconds(2);
    /**
     * How long an instance without health checks must have run to count as healthy ("healthy means stayed healthy"), as
     * the local adapter's default {@code minHealthyTime}. Marathon counts such an instance at its first
     * {@code TASK_RUNNING} and ends the deployment there, so a process that exits at once would look healthy for an
     * instant. An instance with checks counts at its first passing check, as Marathon counts it (and Kubernetes a
     * ready pod without {@code minReadySeconds}): a check that passed is evidence that the task serves, and a later
     * failure is Marathon's to act on. Marathon has no such setting, so a spec's {@code minHealthyTime} stays refused;
     * this window is Baton's, for what it reports. Compared with Marathon's timestamps on this machine's clock.
     */
    static final Duration MIN_HEALTHY = Duration.ofSeconds(2);

    private final MarathonClient client;
    private final String namespace;
    /** The orchestrator's one event stream, shared by every deploy, await and watch; closed by {@link #close()}. */
    private final EventStream events;
    /**
     * What this orchestrator knows of a job's Marathon group (by {@link #prefix}) since its last deploy of it read the
     * group with the stream attached and found nothing there but the job's own: for undeploy to delete the group without
     * reading it again while the stream says nothing else changed it.
     */
    private final Map<String, GroupView> views = new java.util.concurrent.ConcurrentHashMap<>();

    /** A group read with the stream attached at {@code mark} and holding only the job's own apps and pods, and the deployments this orchestrator started in it since. */
    private record GroupView(EventStream.Mark mark, Set<String> deployments) {
    }

    MarathonOrchestrator(MarathonClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        this.events = new EventStream(client);
    }

    /**
     * An orchestrator over your application's own {@link okhttp3.OkHttpClient}, for Marathon at {@code servers} (several
     * instances, tried in order and then the leader they name; a server may carry a path, such as DC/OS's
     * {@code https://master/service/marathon}), validated and capability-checked like one from
     * {@code Orchestrators.connect}. Baton uses the client as given — its interceptors, proxy, authenticator, TLS,
     * dispatcher and connection pool — and adds no credentials of its own (add them with an interceptor); it derives
     * clients from it ({@code newBuilder()}, sharing its pool and dispatcher) only for its call timeout (the client's
     * own {@code callTimeout}, else 30 s), the event stream's idle timeout and redirects, which it follows itself.
     * Closing the orchestrator cancels Baton's own calls and leaves the client working: it never shuts its dispatcher
     * down or evicts its connections.
     *
     * @since 0.1
     */
    public static Orchestrator using(okhttp3.OkHttpClient client, List<java.net.URI> servers) {
        Objects.requireNonNull(client, "client");
        if (servers == null || servers.isEmpty()) {
            throw new IllegalArgumentException("no Marathon server given");
        }
        List<okhttp3.HttpUrl> urls = servers.stream().map(u -> {
            okhttp3.HttpUrl url = okhttp3.HttpUrl.parse(u.toString());
            if (url == null) {
                throw new IllegalArgumentException("not an http or https URL of a Marathon server: " + u);
            }
            return url;
        }).toList();
        dev.baton.OrchestratorConfig defaults = dev.baton.OrchestratorConfig.builder().environment(Map.of()).build();
        Duration request = client.callTimeoutMillis() > 0 ? Duration.ofMillis(client.callTimeoutMillis()) : defaults.requestTimeout();
        MarathonClient marathon = new MarathonClient(client, urls, defaults.retryPolicy(), request);
        return new dev.baton.internal.GuardedOrchestrator(new MarathonOrchestrator(marathon, null), MarathonProvider.CAPABILITIES);
    }

    /** What Marathon cannot run of {@code spec} beyond the capabilities: every structural rule of the translation, in one pass. */
    @Override
    public List<dev.baton.Unsupported> refusals(JobSpec spec) {
        return AppTranslator.refusals(spec);
    }

    /** The id prefix of a job's apps and pods: {@code /[ns/]job/}. */
    private static String prefix(String ns, String job) {
        return AppTranslator.groupId(ns, job) + "/";
    }

    /** Records a deployment this orchestrator started under a job, for the job's view ({@link #views}). */
    private void wrote(String ns, String job, String deployment) {
        GroupView view = views.get(prefix(ns, job));
        if (view != null && deployment != null) {
            view.deployments().add(deployment);
        }
    }

    private String ns(JobSpec spec) {
        return spec.namespace() != null ? spec.namespace() : namespace;
    }

    private static Map<String, List<String>> q(String... kv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.computeIfAbsent(kv[i], k -> new ArrayList<>()).add(kv[i + 1]);
        }
        return m;
    }

    private List<ObjectNode> apps(JobSpec spec) {
        List<ObjectNode> apps = AppTranslator.apps(spec, ns(spec));
        for (int i = 0; i < spec.groups().size(); i++) {
            for (ServiceSpec s : spec.groups().get(i).services()) {
                apps.get(i).with("labels").put(SERVICE_LABEL + s.name(), s.port());
            }
        }
        return apps;
    }

    @Override
    public PlatformInfo platform() {
        JsonNode info = client.get("/v2/info", Map.of());
        return new PlatformInfo(PLATFORM, info.path("version").asText(null), info.path("leader").asText(null));
    }

    @Override
    public Capabilities capabilities() {
        return MarathonProvider.CAPABILITIES;
    }

    @Override
    public Manifest render(JobSpec spec) {
        ArrayNode out = MarathonClient.JSON.createArrayNode();
        apps(spec).forEach(out::add);
        try {
            return new Manifest(PLATFORM, "application/json", PRETTY.writeValueAsString(out.size() == 1 ? out.get(0) : out));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<JsonNode> app(String id, String... embeds) {
        try {
            Map<String, List<String>> query = new LinkedHashMap<>();
            for (String e : embeds) {
                query.computeIfAbsent("embed", k -> new ArrayList<>()).add(e);
            }
            return Optional.of(client.get("/v2/apps" + id, query).path("app"));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private static ObjectNode comparable(JsonNode app, JsonNode desired) {
        ObjectNode out = MarathonClient.JSON.createObjectNode();
        desired.fieldNames().forEachRemaining(f -> {
            if (app.has(f)) {
                out.set(f, app.get(f));
            }
        });
        return out;
    }

    private Optional<JsonNode> pod(String id) {
        try {
            return Optional.of(client.get("/v2/pods" + id, Map.of()));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * The definitions of a job's group as {@code GET /v2/groups} answers (its apps, and its pods' {@code spec}), by id:
     * what a rendered definition would replace.
     */
    private static Map<String, JsonNode> definitions(Optional<JsonNode> group) {
        Map<String, JsonNode> out = new HashMap<>();
        group.ifPresent(g -> {
            g.path("apps").forEach(a -> out.put(a.path("id").asText(), a));
            g.path("pods").forEach(p -> {
                JsonNode def = p.has("spec") ? p.path("spec") : p;
                out.put(p.path("id").asText(def.path("id").asText()), def);
            });
        });
        return out;
    }

    private static String base(JsonNode definition) {
        return AppTranslator.isPod(definition) ? "/v2/pods" : "/v2/apps";
    }

    private static int instances(JsonNode definition) {
        return AppTranslator.isPod(definition) ? definition.path("scaling").path("instances").asInt(1) : definition.path("instances").asInt();
    }

    @Override
    public Plan plan(JobSpec spec) {
        List<Change> changes = new ArrayList<>();
        List<dev.baton.Unsupported> refused = new ArrayList<>();
        List<ObjectNode> apps;
        try {
            apps = apps(spec);
        } catch (dev.baton.UnsupportedCapabilityException e) {
            // what the translation refuses (refusals(), which the core asks first: only reached when it is bypassed)
            return new Plan(PLATFORM, spec.name(), List.of(), e.unsupported(), List.of());
        }
        // one read for every group of the job
        Map<String, JsonNode> lives = definitions(group(ns(spec), spec.name(), Map.of()));
        for (int i = 0; i < apps.size(); i++) {
            ObjectNode a = apps.get(i);
            String id = a.path("id").asText();
            String kind = AppTranslator.isPod(a) ? "pod" : "app";
            JsonNode live = lives.get(id);
            if (live == null) {
                changes.add(new Change(Change.Action.CREATE, kind, id, List.of()));
            } else {
                List<FieldChange> diff = JsonDiff.diff(comparable(live, a), a);
                changes.add(new Change(diff.isEmpty() ? Change.Action.NONE : Change.Action.UPDATE, kind, id, diff));
                // what Marathon would refuse to change in a resident app or pod
                refused.addAll(AppTranslator.residentChanges(spec, i, a, live));
            }
        }
        return new Plan(PLATFORM, spec.name(), changes, refused, List.of());
    }

    /**
     * Opens the event stream (at the leader) and, once it is attached, reads the job's group once ({@code GET
     * /v2/groups/[ns/]job} with its apps' tasks and its pods' statuses: one request for every group of the job), then
     * {@code PUT}s each app or pod that differs; the wait starts from the deployments those writes answered. An unchanged
     * redeploy sends no write, and its wait decides from that read while the stream tells of no change.
     */
    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        List<ObjectNode> apps = apps(spec);
        String ns = ns(spec);
        String prefix = prefix(ns, spec.name());
        views.remove(prefix);
        // the stream first, at the leader: attached before the read, it tells every change after it, and the wait need
        // not read again until it does
        client.findLeader();
        EventStream.Job job = events.job(prefix);
        try (EventStream.Lease lease = events.acquire()) {
            EventStream.Mark mark = events.awaitAttached(job, ATTACH_WAIT.toMillis());
            Optional<JsonNode> group = group(ns, spec.name(), GROUP_EMBEDS);
            Map<String, JsonNode> lives = definitions(group);
            List<dev.baton.Unsupported> refused = new ArrayList<>();
            for (int i = 0; i < apps.size(); i++) {
                JsonNode live = lives.get(apps.get(i).path("id").asText());
                if (live != null) {
                    refused.addAll(AppTranslator.residentChanges(spec, i, apps.get(i), live));
                }
            }
            if (!refused.isEmpty()) {
                // a resident app or pod whose resources, ports or volumes would change: Marathon refuses it; nothing is sent
                throw dev.baton.UnsupportedCapabilityException.of(PLATFORM, refused);
            }
            boolean clean = group.map(g -> runSpecs(g).stream().allMatch(r -> ours(r.labels(), spec.name()))).orElse(true);
            GroupView view = new GroupView(mark, java.util.concurrent.ConcurrentHashMap.newKeySet());
            if (mark.attached() && clean) {
                // undeploy may rely on the stream from here: the group holds the job's own apps and pods only
                views.put(prefix, view);
            }
            boolean changed = false;
            Map<String, Boolean> deployments = new LinkedHashMap<>();
            for (ObjectNode a : apps) {
                String id = a.path("id").asText();
                JsonNode live = lives.get(id);
                boolean same = live != null && live.path("labels").path(SpecVersion.LABEL).asText().equals(a.path("labels").path(SpecVersion.LABEL).asText())
                        && instances(live) == instances(a);
                if (!same) {
                    String deployment = client.deploy("PUT", base(a) + id, writeQuery(a, options.force()), a);
                    changed = true;
                    if (deployment != null) {
                        deployments.put(deployment, AppTranslator.isPod(a));
                        view.deployments().add(deployment);
                    }
                }
            }
            JobRead seen = !changed && group.isPresent() ? JobRead.of(ns, spec.name(), group.get()) : null;
            return track(spec, changed, true, new Start(deployments, mark.attached() ? mark : null, seen));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PlatformUnavailableException.of(PLATFORM, "the deploy of " + spec.name() + " was interrupted before it sent anything", e);
        } catch (RuntimeException e) {
            // what the group holds is not known after a failed write
            views.remove(prefix);
            throw e;
        }
    }

    /**
     * The query of a definition's {@code PUT}: {@code force=true} when asked, and for an app {@code partialUpdate=false}.
     * Marathon's {@code PUT /v2/apps/{id}} defaults to {@code partialUpdate=true}, which keeps every field the body leaves
     * out (api/v2/AppsResource.replace, raml/AppConversion.appUpdateRamlReader, v1.10.26): a removed env variable or check,
     * or the container of a task that became a process, would stay. {@code PUT /v2/pods/{id}} always replaces
     * (PodsResource.update).
     */
    private static Map<String, List<String>> writeQuery(JsonNode definition, boolean force) {
        Map<String, List<String>> query = force ? q("force", "true") : new LinkedHashMap<>();
        if (!AppTranslator.isPod(definition)) {
            query.put("partialUpdate", List.of("false"));
        }
        return query;
    }

    /**
     * Where a wait starts: the deployments it waits for (by id: whether each is a pod's), the stream's mark from which it
     * has told every change of the job (null when it was not attached), and what was read of the job then (null: nothing
     * yet).
     */
    private record Start(Map<String, Boolean> deployments, EventStream.Mark mark, JobRead seen) {
        /** A wait for {@code deployments} (an id may be null: Marathon named none) of writes made with the stream at {@code mark}. */
        static Start after(Map<String, Boolean> deployments, EventStream.Mark mark) {
            Map<String, Boolean> known = new LinkedHashMap<>(deployments);
            known.remove(null);
            return new Start(known, mark.attached() ? mark : null, null);
        }
    }

    private Deployment track(JobSpec spec, boolean changed, boolean mayRevert, Start start) {
        String version = SpecVersion.of(spec);
        Duration limit = spec.update() != null ? spec.update().healthyDeadline() : null;
        Instant started = Instant.now();
        return DeploymentTracker.started(PLATFORM, spec.name(), version, changed, (tracker, deadline) -> {
            // every request of the wait ends by its deadline, so the wait returns by then whatever Marathon does
            try (MarathonClient.Scope bounded = client.within(deadline); EventStream.Lease lease = events.acquire()) {
                follow(spec, version, limit, started, mayRevert, start, tracker, deadline);
            } catch (PlatformUnavailableException e) {
                if (Thread.currentThread().isInterrupted()) {
                    // the tracker reports the interrupt (INTERRUPTED), not Marathon's failure
                    throw e;
                }
                if (!Instant.now().isBefore(deadline)) {
                    // a request cut short by the wait's deadline: the wait timed out (the tracker's TIMED_OUT)
                    return;
                }
                throw e;
            }
        });
    }

    /**
     * Follows a deployment until the tracker is done or {@code deadline} passes; each request ends by the deadline.
     *
     * <p>Decides from the event stream what it can, and reads only what it cannot know: while a deployment of its own
     * runs and the stream, attached since the write, has not said it ended ({@code deployment_success} or
     * {@code deployment_failed} with its id), nothing can have settled and nothing is read; then the job is read once
     * ({@code GET /v2/apps} with its tasks and deployments, the pods' statuses from {@code GET /v2/groups/[ns/]job}), and
     * again only after an event of the job, a reattach of the stream, or the healthy deadline; an instant at which an
     * instance will have stayed healthy long enough is judged on what was read, when nothing happened since. Where the
     * stream may have missed a deployment's end (it was not attached throughout), Marathon's word is read instead: an
     * app's {@code deployments}, and for a pod's deployment {@code GET /v2/deployments}.
     */
    private void follow(JobSpec spec, String version, Duration limit, Instant started, boolean mayRevert, Start start, DeploymentTracker tracker,
            Instant deadline) throws InterruptedException {
        String ns = ns(spec);
        EventStream.Job job = events.job(prefix(ns, spec.name()));
        Map<String, Boolean> pending = new LinkedHashMap<>(start.deployments());
        EventStream.Mark mark = start.mark();
        JobRead seen = start.seen();
        // whether the stream has told every deployment end since mark
        boolean told = mark != null && events.continuous(mark);
        if (!told) {
            // not attached since the write: read once it is, and every change after that read comes as an event
            mark = events.awaitAttached(job, Math.max(1, Math.min(ATTACH_WAIT.toMillis(), Duration.between(Instant.now(), deadline).toMillis())));
            seen = null;
        }
        String target = version;
        boolean reverting = false;
        while (!tracker.isDone()) {
            long count = events.mark(job).count();
            pending.keySet().removeAll(events.ended(job, pending.keySet()));
            Instant now = Instant.now();
            boolean overdue = !reverting && limit != null && !now.isBefore(started.plus(limit));
            boolean covered = told && events.continuous(mark);
            // a deployment of ours still runs, and the stream will say when it ends: nothing can have settled yet
            boolean running = covered && !pending.isEmpty();
            boolean quiet = seen != null && events.quietSince(job, mark);
            if (!quiet && (!running || overdue)) {
                EventStream.Mark before = events.mark(job);
                try {
                    seen = read(ns, spec.name(), spec);
                } catch (PlatformUnavailableException e) {
                    if (!(e.getCause() instanceof java.net.SocketTimeoutException) || Thread.currentThread().isInterrupted()) {
                        throw e;
                    }
                    // Marathon did not answer in time (its retries too): no news, read again after the next event or a
                    // pause; at the deadline the wait has timed out
                    long left = Duration.between(Instant.now(), deadline).toMillis();
                    if (left <= 0) {
                        return;
                    }
                    events.await(job, count, Math.min(left, UNANSWERED_PAUSE.toMillis()));
                    continue;
                }
                settleFromRead(pending, seen, covered);
                pending.keySet().removeAll(events.ended(job, pending.keySet()));
                mark = before;
                told = before.attached();
            }
            Observed observed = seen == null ? null : seen.evaluate(this, Instant.now());
            if (observed != null) {
                JobStatus status = observed.status();
                if (DeploymentTracker.settled(status.groups(), spec.type(), target) && !observed.deploying() && pending.isEmpty()) {
                    tracker.complete(reverting ? Outcome.ROLLED_BACK : Outcome.HEALTHY, status,
                            reverting ? "rolled back to version " + target : "healthy");
                    return;
                }
                tracker.progress(status);
                if (overdue) {
                    String why = "not healthy within " + dev.baton.model.Durations.format(limit)
                            + (status.message() != null ? " (last task failure: " + status.message() + ")" : "");
                    OnFailure onFailure = spec.update().onFailure();
                    JobSpec previous = mayRevert && onFailure == OnFailure.ROLLBACK ? previousSpec(spec) : null;
                    String back = previous != null ? revert(spec, pending) : null;
                    if (back != null) {
                        tracker.event(Event.of(spec.name(), Event.Type.DEPLOYMENT_FAILED, why + "; rolling back to version " + back));
                        target = back;
                        reverting = true;
                    } else {
                        tracker.complete(Outcome.FAILED, status, why);
                        return;
                    }
                }
            }
            now = Instant.now();
            if (!now.isBefore(deadline)) {
                return;
            }
            // woken by the next event of the job, or when the deadline passes or an instance has stayed healthy long
            // enough to count; every 30 s at least (the stream may be down: then each wake reads)
            Instant wake = limit == null || reverting ? deadline : min(deadline, started.plus(limit));
            if (observed != null && observed.countsAt() != null) {
                wake = min(wake, observed.countsAt());
            }
            events.await(job, count, Math.max(1, Math.min(Duration.between(now, wake).toMillis(), 30_000)));
        }
    }

    /**
     * Drops from {@code pending} the deployments a read shows ended: an app's deployment that none of the job's apps
     * lists ({@code embed=apps.deployments}); a pod's, which its status does not tell, from {@code GET /v2/deployments},
     * and only when the stream may have missed its end ({@code covered} false).
     */
    private void settleFromRead(Map<String, Boolean> pending, JobRead seen, boolean covered) {
        Set<String> listed = new java.util.HashSet<>();
        seen.apps().forEach(a -> a.path("deployments").forEach(d -> listed.add(d.path("id").asText())));
        pending.entrySet().removeIf(e -> !e.getValue() && !listed.contains(e.getKey()));
        if (!covered && pending.containsValue(true)) {
            Set<String> running = new java.util.HashSet<>();
            client.get("/v2/deployments", Map.of()).forEach(d -> running.add(d.path("id").asText()));
            pending.entrySet().removeIf(e -> e.getValue() && !running.contains(e.getKey()));
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /**
     * Brings the job back after {@code spec} failed to become healthy. A deployment of its own still running
     * ({@code pending}) is deleted ({@code DELETE /v2/deployments/{id}}), and Marathon puts back the definition that
     * deployment replaced ({@code DeploymentPlan.revert}, {@code DeploymentPlanReverter}), which is read back rather than
     * assumed (it need not be the newest earlier version of another spec: a forced deployment replaces one that never
     * finished). An app or pod whose deployment had already ended (Marathon ends it at the first {@code TASK_RUNNING} of
     * an instance without health checks, even one that exits right after) gets the newest earlier definition of another
     * spec back with a {@code PUT}, as {@link #rollback} does. The deployments these start replace {@code pending}.
     * Returns the version the job goes back to, or null when nothing was sent.
     */
    private String revert(JobSpec spec, Map<String, Boolean> pending) {
        String ns = ns(spec);
        for (Map.Entry<String, Boolean> d : List.copyOf(pending.entrySet())) {
            pending.remove(d.getKey());
            try {
                String reverting = client.deploy("DELETE", "/v2/deployments/" + d.getKey(), Map.of(), null);
                if (reverting != null) {
                    pending.put(reverting, d.getValue());
                    wrote(ns, spec.name(), reverting);
                }
            } catch (NotFoundException ended) {
                // it ended meanwhile ("DeploymentPlan … does not exist"): nothing to cancel
            }
        }
        String failed = SpecVersion.of(spec);
        String back = null;
        for (GroupSpec g : spec.groups()) {
            String id = AppTranslator.appId(ns, spec.name(), g.name());
            boolean isPod = g.tasks().size() > 1;
            Optional<JsonNode> live = isPod ? pod(id) : app(id);
            if (live.isEmpty()) {
                continue;
            }
            String now = live.get().path("labels").path(SpecVersion.LABEL).asText();
            if (!failed.equals(now)) {
                // Marathon reverted it when its deployment was deleted
                back = back == null ? now : back;
                continue;
            }
            JsonNode prev = previousDefinition(id, isPod, failed);
            if (prev != null) {
                String deployment = client.deploy("PUT", (isPod ? "/v2/pods" : "/v2/apps") + id, writeQuery(prev, false), withoutVersion(prev));
                if (deployment != null) {
                    pending.put(deployment, isPod);
                    wrote(ns, spec.name(), deployment);
                }
                back = back == null ? prev.path("labels").path(SpecVersion.LABEL).asText() : back;
            }
        }
        return back;
    }

    @Override
    public JobStatus status(String jobId) {
        JobRef ref = JobRef.parse(jobId, namespace);
        return statusOf(ref.namespace(), ref.name());
    }

    /** The spec an app or pod definition was rendered from; one Baton did not create is not found as a job. */
    private JobSpec specOf(JsonNode definition) {
        JsonNode labels = definition.path("labels");
        if (!managed(labels)) {
            String id = definition.path("id").asText();
            throw NotFoundException.of(PLATFORM, (AppTranslator.isPod(definition) ? "pod " : "app ") + id + " exists on " + PLATFORM
                    + " but is not managed by Baton (it has no " + AppTranslator.SPEC_LABEL + " label)");
        }
        return Specs.read(labels.path(AppTranslator.SPEC_LABEL).asText());
    }

    /** Whether an app's or pod's labels are Baton's: it carries the spec it was rendered from. */
    private static boolean managed(JsonNode labels) {
        return !labels.path(AppTranslator.SPEC_LABEL).asText("").isBlank();
    }

    /** Whether an app or pod with these labels is one of job {@code job}'s, created by Baton. */
    private static boolean ours(JsonNode labels, String job) {
        return managed(labels) && job.equals(labels.path(SpecVersion.JOB_LABEL).asText());
    }

    /** An app or a pod that Marathon holds, with its labels. */
    private record RunSpec(String kind, String id, JsonNode labels) {
        @Override
        public String toString() {
            return kind + " " + id;
        }
    }

    /**
     * The apps and pods of a Marathon group and of its groups ({@code GET /v2/groups/{id}}, RAML {@code GroupInfo}: its
     * {@code apps} are definitions, its {@code pods} statuses that carry the definition as {@code spec}).
     */
    private static List<RunSpec> runSpecs(JsonNode group) {
        List<RunSpec> out = new ArrayList<>();
        for (JsonNode a : group.path("apps")) {
            out.add(new RunSpec("app", a.path("id").asText(), a.path("labels")));
        }
        for (JsonNode p : group.path("pods")) {
            JsonNode def = p.has("spec") ? p.path("spec") : p;
            out.add(new RunSpec("pod", p.path("id").asText(def.path("id").asText()), def.path("labels")));
        }
        for (JsonNode g : group.path("groups")) {
            out.addAll(runSpecs(g));
        }
        return out;
    }

    /** The group of a job ({@code GET /v2/groups/[ns/]job}, with its apps, pods and groups), or empty. */
    private Optional<JsonNode> group(String ns, String job) {
        return group(ns, job, Map.of());
    }

    /** The group of a job with the embeds of {@code query} ({@code GET /v2/groups/[ns/]job}), or empty. */
    private Optional<JsonNode> group(String ns, String job, Map<String, List<String>> query) {
        try {
            return Optional.of(client.get("/v2/groups" + AppTranslator.groupId(ns, job), query));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * What Marathon holds under a job's id that Baton did not create: the apps and pods of its group (none of the job's
     * own), or an app or a pod with the job's id itself.
     */
    private List<RunSpec> foreign(String ns, String job, Optional<JsonNode> group) {
        if (group.isPresent()) {
            return runSpecs(group.get()).stream().filter(r -> !ours(r.labels(), job)).toList();
        }
        String id = AppTranslator.groupId(ns, job);
        Optional<JsonNode> app = app(id);
        if (app.isPresent()) {
            return List.of(new RunSpec("app", id, app.get().path("labels")));
        }
        return pod(id).map(p -> List.of(new RunSpec("pod", id, p.path("labels")))).orElse(List.of());
    }

    /**
     * Why a job Baton has no app or pod of is not found: it does not exist, or Marathon holds apps or pods under its id
     * that Baton did not create (no {@link AppTranslator#SPEC_LABEL} label), which are not Baton's to show or remove.
     */
    private NotFoundException notFound(String ns, String job, List<RunSpec> foreign, String consequence) {
        if (foreign.isEmpty()) {
            return NotFoundException.job(PLATFORM, job);
        }
        List<String> names = foreign.stream().map(RunSpec::toString).limit(5).toList();
        return NotFoundException.of(PLATFORM, "job " + job + " exists on " + PLATFORM + " but is not managed by Baton: "
                + String.join(", ", names) + (foreign.size() > names.size() ? " and " + (foreign.size() - names.size()) + " more" : "")
                + " under " + AppTranslator.groupId(ns, job) + " carry no " + AppTranslator.SPEC_LABEL + " label" + consequence);
    }

    private JobStatus statusOf(String ns, String job) {
        return read(ns, job, null).evaluate(this, Instant.now()).status();
    }

    /**
     * What one read showed of a job: its apps (with their tasks, deployments and last task failure) and its pods'
     * statuses, and the spec versions of the app and pod versions met so far, so that judging the same read again at a
     * later instant sends nothing.
     */
    private record JobRead(String ns, String job, List<JsonNode> apps, List<JsonNode> pods, Map<String, String> versions) {
        /** The job's apps and pods in its group as {@code GET /v2/groups} with {@link #GROUP_EMBEDS} answers. */
        static JobRead of(String ns, String job, JsonNode group) {
            String prefix = prefix(ns, job);
            List<JsonNode> apps = new ArrayList<>();
            group.path("apps").forEach(a -> {
                if (own(a.path("id").asText(), a.path("labels"), prefix, job)) {
                    apps.add(a);
                }
            });
            return new JobRead(ns, job, apps, ownPods(group, prefix, job), new HashMap<>());
        }

        Observed evaluate(MarathonOrchestrator o, Instant now) {
            return o.observe(this, now);
        }
    }

    /**
     * Whether an app or pod is one of the job's own: {@code /[ns/]job/<group>} (Marathon's {@code id} filter is a
     * substring, so {@code /a/web/g} matches {@code web}'s too), carrying the job's label and the spec Baton wrote (one
     * that carries the job's label but no spec was not created by Baton).
     */
    private static boolean own(String id, JsonNode labels, String prefix, String job) {
        return id.startsWith(prefix) && id.indexOf('/', prefix.length()) < 0 && ours(labels, job);
    }

    /** The statuses of the job's own pods among a group's ({@code pods} of {@code GET /v2/groups}: RAML PodStatus). */
    private static List<JsonNode> ownPods(JsonNode group, String prefix, String job) {
        List<JsonNode> out = new ArrayList<>();
        group.path("pods").forEach(p -> {
            if (own(p.path("id").asText(p.path("spec").path("id").asText()), p.path("spec").path("labels"), prefix, job)) {
                out.add(p);
            }
        });
        return out;
    }

    /**
     * Reads a job: its apps ({@code GET /v2/apps?id=/[ns/]job/&label=baton.dev\/job==job} with tasks, deployments and
     * last task failure) and, when it has or may have pod groups ({@code following}'s, or the live spec's), its pods'
     * statuses from its group ({@code GET /v2/groups/[ns/]job?embed=group.pods}: the job's pods only, not every pod in
     * Marathon).
     */
    private JobRead read(String ns, String job, JobSpec following) {
        String prefix = prefix(ns, job);
        List<JsonNode> apps = new ArrayList<>();
        for (JsonNode a : client.get("/v2/apps", q("id", prefix, "embed", "apps.tasks", "embed", "apps.deployments",
                "embed", "apps.lastTaskFailure", "label", selector(SpecVersion.JOB_LABEL) + "==" + selector(job))).path("apps")) {
            if (own(a.path("id").asText(), a.path("labels"), prefix, job)) {
                apps.add(a);
            }
        }
        JobSpec live = apps.isEmpty() ? null : specOf(apps.get(0));
        boolean pods = live == null || hasPods(live) || following != null && hasPods(following);
        List<JsonNode> podStatuses = pods ? group(ns, job, q("embed", "group.pods")).map(g -> ownPods(g, prefix, job)).orElse(List.of()) : List.of();
        return new JobRead(ns, job, apps, podStatuses, new HashMap<>());
    }

    private static boolean hasPods(JobSpec spec) {
        return spec.groups().stream().anyMatch(g -> g.tasks().size() > 1);
    }

    /**
     * A job's status, and the earliest instant at which an instance that runs and passes its checks will have done so
     * for {@link #MIN_HEALTHY} and count as healthy (null when none waits), for the await to wake then.
     */
    private record Observed(JobStatus status, Instant countsAt, boolean deploying) {
    }

    /** The earliest of the instants at which waiting instances will count healthy. */
    private static final class CountsAt {
        private Instant at;

        /** Whether an instance healthy since {@code since} has stayed so long enough to count at {@code now}. */
        boolean stayed(Instant since, Instant now) {
            if (since == null) {
                // Marathon sets startedAt on every running task; without it there is nothing to wait on
                return true;
            }
            Instant counts = since.plus(MIN_HEALTHY);
            if (!now.isBefore(counts)) {
                return true;
            }
            at = at == null || counts.isBefore(at) ? counts : at;
            return false;
        }
    }

    private static Instant timestamp(JsonNode node) {
        String text = node.asText(null);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * A term of Marathon's label selector: {@code LabelSelectorParsers.term} (api/v2/LabelSelector.scala, v1.7.236 and
     * v1.10.26) takes {@code -A-Za-z0-9_.} as they are and any other character escaped with a backslash, so
     * {@code baton.dev/job} is {@code baton.dev\/job} (unescaped, Marathon answers 422 "Can not parse label selector").
     */
    static String selector(String term) {
        StringBuilder b = new StringBuilder(term.length() + 4);
        term.codePoints().forEach(c -> {
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                b.append('\\');
            }
            b.appendCodePoint(c);
        });
        return b.toString();
    }

    /** Judges what {@code read} showed of a job at {@code now}; a version met for the first time is read (and kept with {@code read}). */
    private Observed observe(JobRead read, Instant now) {
        String ns = read.ns();
        String job = read.job();
        CountsAt countsAt = new CountsAt();
        List<JsonNode> apps = read.apps();
        List<JsonNode> pods = read.pods();
        if (apps.isEmpty() && pods.isEmpty()) {
            throw notFound(ns, job, foreign(ns, job, group(ns, job)), "");
        }
        JobSpec spec = specOf(apps.isEmpty() ? pods.get(0).path("spec") : apps.get(0));
        Map<String, String> versions = read.versions();
        List<GroupStatus> groups = new ArrayList<>();
        boolean deploying = false;
        for (JsonNode a : apps) {
            String id = a.path("id").asText();
            String appVersion = a.path("version").asText();
            versions.put(id + "@" + appVersion, a.path("labels").path(SpecVersion.LABEL).asText());
            deploying |= a.path("deployments").size() > 0;
            List<InstanceStatus> instances = new ArrayList<>();
            for (JsonNode t : a.path("tasks")) {
                instances.add(instance(id, a, t, versions, now, countsAt));
            }
            groups.add(new GroupStatus(a.path("labels").path(SpecVersion.GROUP_LABEL).asText(), a.path("instances").asInt(), instances));
        }
        for (JsonNode p : pods) {
            JsonNode def = p.path("spec");
            String id = def.path("id").asText();
            versions.put(id + "@" + def.path("version").asText(), def.path("labels").path(SpecVersion.LABEL).asText());
            deploying |= !"STABLE".equals(p.path("status").asText());
            List<InstanceStatus> instances = new ArrayList<>();
            for (JsonNode i : p.path("instances")) {
                instances.add(podInstance(id, def, i, p.path("terminationHistory").path(0), versions, now, countsAt));
            }
            groups.add(new GroupStatus(def.path("labels").path(SpecVersion.GROUP_LABEL).asText(), instances(def), instances));
        }
        // the groups in the spec's order, whichever kind each is
        List<String> order = spec.groups().stream().map(GroupSpec::name).toList();
        groups.sort(java.util.Comparator.comparingInt(g -> order.indexOf(g.name())));
        String version = (apps.isEmpty() ? pods.get(0).path("spec") : apps.get(0)).path("labels").path(SpecVersion.LABEL).asText();
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        // the last task failure: an app's lastTaskFailure, a pod's newest terminationHistory entry
        JsonNode failure = apps.isEmpty() ? pods.get(0).path("terminationHistory").path(0) : apps.get(0).path("lastTaskFailure");
        return new Observed(new JobStatus(job, ns, PLATFORM, deploying ? JobState.DEPLOYING : healthy ? JobState.RUNNING : JobState.DEPLOYING,
                healthy ? Health.HEALTHY : Health.UNHEALTHY, version, groups, failure.isMissingNode() ? null : failure.path("message").asText(null)),
                countsAt.at, deploying);
    }

    /**
     * An app task. Running with its checks passing counts healthy, as Marathon counts it; running without checks counts
     * healthy only once it has run for {@link #MIN_HEALTHY} since {@code startedAt} — until then its health is
     * {@code UNKNOWN} (Marathon counts it at its first {@code TASK_RUNNING}, even one whose process exits right after).
     * A task that has ended has no {@code version} (Marathon writes {@code version}, {@code startedAt} and
     * {@code ports} for active tasks only) and carries the app's last task failure when it is that task.
     */
    private InstanceStatus instance(String appId, JsonNode app, JsonNode t, Map<String, String> versions, Instant now, CountsAt countsAt) {
        InstanceState state = switch (t.path("state").asText("TASK_RUNNING")) {
            case "TASK_RUNNING" -> InstanceState.RUNNING;
            case "TASK_STAGING", "TASK_STARTING" -> InstanceState.STARTING;
            case "TASK_FINISHED" -> InstanceState.COMPLETED;
            case "TASK_FAILED", "TASK_LOST", "TASK_ERROR" -> InstanceState.FAILED;
            case "TASK_KILLED", "TASK_KILLING" -> InstanceState.STOPPED;
            default -> InstanceState.UNKNOWN;
        };
        JsonNode results = t.path("healthCheckResults");
        boolean checks = app.path("healthChecks").size() > 0;
        Health health = state != InstanceState.RUNNING ? Health.UNKNOWN
                : checks && results.size() == 0 ? Health.UNKNOWN
                : checks && !allAlive(results) ? Health.UNHEALTHY
                : checks || countsAt.stayed(timestamp(t.path("startedAt")), now) ? Health.HEALTHY : Health.UNKNOWN;
        Map<String, Integer> ports = new LinkedHashMap<>();
        JsonNode defs = app.path("portDefinitions");
        for (int i = 0; i < t.path("ports").size(); i++) {
            ports.put(i < defs.size() ? defs.get(i).path("name").asText("port" + i) : "port" + i, t.path("ports").get(i).asInt());
        }
        String taskVersion = t.path("version").asText("");
        String v = taskVersion.isEmpty() ? null : versions.computeIfAbsent(appId + "@" + taskVersion, k -> {
            try {
                return client.get("/v2/apps" + appId + "/versions/" + taskVersion, Map.of()).path("labels").path(SpecVersion.LABEL).asText(null);
            } catch (NotFoundException e) {
                return null;
            }
        });
        JsonNode failure = app.path("lastTaskFailure");
        boolean failed = state == InstanceState.FAILED && t.path("id").asText().equals(failure.path("taskId").asText(null));
        String reason = failed ? failure.path("message").asText(null) : null;
        return new InstanceStatus(t.path("id").asText(), app.path("labels").path(SpecVersion.GROUP_LABEL).asText(), state, health,
                t.path("host").asText(null), t.path("host").asText(null), ports, timestamp(t.path("startedAt")), exitCode(reason), reason, v, 0);
    }

    /** The status in a Mesos executor's message ("Command exited with status 1"), or null. */
    static Integer exitCode(String message) {
        if (message == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("exited with status (\\d+)").matcher(message);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    /**
     * The statuses of the pods Baton created that carry label {@code label} ({@code GET /v2/pods/::status}, one request
     * for all pods: a service's endpoints may be in any job's).
     */
    private List<JsonNode> podStatuses(String label) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : client.get("/v2/pods/::status", Map.of())) {
            JsonNode labels = p.path("spec").path("labels");
            if (managed(labels) && labels.has(label)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * A pod instance: STABLE is running and healthy — counted at once when a container has a check, else once it has
     * been STABLE for {@link #MIN_HEALTHY} (since {@code statusSince}), {@code UNKNOWN} health before — DEGRADED running
     * and not healthy, PENDING waiting for a launch (also a failed instance that Marathon will launch again, which carries
     * the pod's last termination when it is that instance); its version from specReference.
     */
    private InstanceStatus podInstance(String podId, JsonNode def, JsonNode i, JsonNode termination, Map<String, String> versions, Instant now,
            CountsAt countsAt) {
        String st = i.path("status").asText();
        InstanceState state = switch (st) {
            case "PENDING" -> InstanceState.PENDING;
            case "STAGING" -> InstanceState.STARTING;
            case "STABLE", "DEGRADED" -> InstanceState.RUNNING;
            case "TERMINAL" -> InstanceState.STOPPED;
            default -> InstanceState.UNKNOWN;
        };
        Health health = "STABLE".equals(st) ? (checked(def) || countsAt.stayed(timestamp(i.path("statusSince")), now) ? Health.HEALTHY : Health.UNKNOWN)
                : "DEGRADED".equals(st) ? Health.UNHEALTHY : Health.UNKNOWN;
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode c : i.path("containers")) {
            for (JsonNode e : c.path("endpoints")) {
                if (e.has("allocatedHostPort")) {
                    ports.put(e.path("name").asText(), e.path("allocatedHostPort").asInt());
                }
            }
        }
        String ref = i.path("specReference").asText();
        String podVersion = ref.contains("::versions/") ? ref.substring(ref.indexOf("::versions/") + "::versions/".length()) : def.path("version").asText();
        String v = versions.computeIfAbsent(podId + "@" + podVersion, k -> {
            try {
                return client.get("/v2/pods" + podId + "::versions/" + podVersion, Map.of()).path("labels").path(SpecVersion.LABEL).asText(null);
            } catch (NotFoundException e) {
                return null;
            }
        });
        boolean ended = "PENDING".equals(st) && i.path("id").asText().equals(termination.path("instanceID").asText(null));
        String reason = ended ? termination.path("message").asText(null) : i.path("message").asText(null);
        return new InstanceStatus(i.path("id").asText(), def.path("labels").path(SpecVersion.GROUP_LABEL).asText(), state, health,
                i.path("agentHostname").asText(null), i.path("agentHostname").asText(null), ports,
                "STABLE".equals(st) ? timestamp(i.path("statusSince")) : null, ended ? exitCode(reason) : null, reason, v, 0);
    }

    /** Whether a pod definition gives any of its containers a health check (then STABLE means the checks pass). */
    private static boolean checked(JsonNode def) {
        for (JsonNode c : def.path("containers")) {
            if (c.has("healthCheck") && !c.path("healthCheck").isNull()) {
                return true;
            }
        }
        return false;
    }

    private static boolean allAlive(JsonNode results) {
        for (JsonNode r : results) {
            if (!r.path("alive").asBoolean()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        Map<String, JobSummary> out = new LinkedHashMap<>();
        List<JsonNode> definitions = new ArrayList<>();
        // only what Baton created: an app or pod that carries the job label but no spec is left out
        client.get("/v2/apps", q("label", selector(SpecVersion.JOB_LABEL))).path("apps").forEach(a -> {
            if (managed(a.path("labels"))) {
                definitions.add(a);
            }
        });
        client.get("/v2/pods", Map.of()).forEach(p -> {
            if (p.path("labels").has(SpecVersion.JOB_LABEL) && managed(p.path("labels"))) {
                definitions.add(p);
            }
        });
        for (JsonNode a : definitions) {
            JobSpec spec = specOf(a);
            if (selector.matches(spec.labels()) && !out.containsKey(spec.name())) {
                out.put(spec.name(), new JobSummary(spec.name(), spec.namespace(), spec.type().id(), spec.labels(), JobState.RUNNING));
            }
        }
        return List.copyOf(out.values());
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        JobRef ref = JobRef.parse(jobId, namespace);
        String id = AppTranslator.appId(ref.namespace(), ref.name(), group);
        EventStream.Mark mark = events.mark(events.job(prefix(ref.namespace(), ref.name())));
        JsonNode app = app(id).orElse(null);
        if (app != null) {
            // read first: an app Baton did not create is not scaled
            JobSpec scaled = specOf(app).withCount(group, count);
            ObjectNode patch = MarathonClient.JSON.createObjectNode().put("id", id).put("instances", count);
            String deployment = client.deploy("PATCH", "/v2/apps" + id, Map.of(), patch);
            wrote(ref.namespace(), ref.name(), deployment);
            return track(scaled, true, false, Start.after(java.util.Collections.singletonMap(deployment, false), mark));
        }
        JsonNode pod = pod(id).orElse(null);
        if (pod == null) {
            JobStatus job = statusOf(ref.namespace(), ref.name());
            throw NotFoundException.of(PLATFORM, "group", group, "job " + ref.name() + " has groups " + job.groups().stream().map(GroupStatus::name).toList());
        }
        // a pod has no PATCH: its definition goes back with the new scaling
        JobSpec scaled = specOf(pod).withCount(group, count);
        ObjectNode body = withoutVersion(pod);
        ((ObjectNode) body.path("scaling")).put("instances", count);
        String deployment = client.deploy("PUT", "/v2/pods" + id, Map.of(), body);
        wrote(ref.namespace(), ref.name(), deployment);
        return track(scaled, true, false, Start.after(java.util.Collections.singletonMap(deployment, true), mark));
    }

    /** The newest earlier app version of another spec, as a spec. */
    private JobSpec previousSpec(JobSpec spec) {
        GroupSpec g = spec.groups().get(0);
        JsonNode prev = previousDefinition(AppTranslator.appId(ns(spec), spec.name(), g.name()), g.tasks().size() > 1, SpecVersion.of(spec));
        return prev == null ? null : specOf(prev);
    }

    /**
     * The newest earlier version of an app ({@code /versions}) or pod ({@code ::versions}) with another spec. Marathon
     * lists versions in no order (the children of a ZooKeeper node, cached as a set: {@code ZkPersistenceStore.rawVersions},
     * {@code LazyCachingPersistenceStore.versions}); they are timestamps, read newest first here.
     */
    private JsonNode previousDefinition(String id, boolean pod, String currentVersion) {
        JsonNode list = pod ? client.get("/v2/pods" + id + "::versions", Map.of()) : client.get("/v2/apps" + id + "/versions", Map.of()).path("versions");
        for (String v : newestFirst(list)) {
            JsonNode def = client.get(pod ? "/v2/pods" + id + "::versions/" + v : "/v2/apps" + id + "/versions/" + v, Map.of());
            // a version Baton did not write (no spec) is not one to go back to
            if (managed(def.path("labels")) && !currentVersion.equals(def.path("labels").path(SpecVersion.LABEL).asText())) {
                return def;
            }
        }
        return null;
    }

    /** Version timestamps, newest first (one that is not a timestamp last, in the order given). */
    static List<String> newestFirst(JsonNode versions) {
        List<String> out = new ArrayList<>();
        versions.forEach(v -> out.add(v.asText()));
        Instant never = Instant.MIN;
        out.sort(java.util.Comparator.comparing((String v) -> {
            Instant t = timestamp(MarathonClient.JSON.getNodeFactory().textNode(v));
            return t == null ? never : t;
        }).reversed());
        return out;
    }

    private static ObjectNode withoutVersion(JsonNode definition) {
        ObjectNode body = definition.deepCopy();
        body.remove(List.of("version", "versionInfo", "tasks", "deployments", "tasksRunning", "tasksStaged", "tasksHealthy", "tasksUnhealthy"));
        return body;
    }

    /**
     * Restarts every instance of the job's apps ({@code POST /v2/apps/{id}/restart}): Marathon replaces them following
     * the upgrade strategy, with the same definition. Followed like a deploy, until the restart's deployments end and
     * the new instances are healthy. Pods have no restart in Marathon's API: refused for a job with a pod group.
     */
    public Deployment restart(String jobId) {
        JobRef ref = JobRef.parse(jobId, namespace);
        JobStatus now = statusOf(ref.namespace(), ref.name());
        JobSpec spec = null;
        for (GroupStatus g : now.groups()) {
            String id = AppTranslator.appId(ref.namespace(), ref.name(), g.name());
            JsonNode app = app(id).orElse(null);
            if (app == null) {
                throw dev.baton.UnsupportedCapabilityException.operation(PLATFORM, "restart of a pod",
                        "Marathon's API restarts apps only; group " + g.name() + " is a pod");
            }
            spec = specOf(app);
        }
        EventStream.Mark mark = events.mark(events.job(prefix(ref.namespace(), ref.name())));
        Map<String, Boolean> deployments = new LinkedHashMap<>();
        for (GroupStatus g : now.groups()) {
            String deployment = client.deploy("POST", "/v2/apps" + AppTranslator.appId(ref.namespace(), ref.name(), g.name()) + "/restart", Map.of(), null);
            wrote(ref.namespace(), ref.name(), deployment);
            deployments.put(deployment, false);
        }
        JobSpec running = spec;
        for (GroupStatus g : now.groups()) {
            running = running.withCount(g.name(), g.desired());
        }
        return track(running, true, false, Start.after(deployments, mark));
    }

    @Override
    public Deployment rollback(String jobId) {
        JobRef ref = JobRef.parse(jobId, namespace);
        JobStatus now = statusOf(ref.namespace(), ref.name());
        EventStream.Mark mark = events.mark(events.job(prefix(ref.namespace(), ref.name())));
        Map<String, Boolean> deployments = new LinkedHashMap<>();
        JobSpec previous = null;
        JobSpec current = null;
        for (GroupStatus g : now.groups()) {
            String id = AppTranslator.appId(ref.namespace(), ref.name(), g.name());
            if (current == null) {
                JsonNode def = app(id).or(() -> pod(id)).orElseThrow(() -> NotFoundException.job(PLATFORM, ref.name()));
                current = specOf(def);
            }
            boolean isPod = current.group(g.name()).map(x -> x.tasks().size() > 1).orElse(false);
            JsonNode prev = previousDefinition(id, isPod, now.version());
            if (prev == null) {
                throw ConflictException.of(PLATFORM, "job " + ref.name() + " has no previous version to roll back to");
            }
            ObjectNode body = withoutVersion(prev);
            if (isPod) {
                ((ObjectNode) body.path("scaling")).put("instances", g.desired());
            } else {
                body.put("instances", g.desired());
            }
            String deployment = client.deploy("PUT", (isPod ? "/v2/pods" : "/v2/apps") + id, writeQuery(body, false), body);
            wrote(ref.namespace(), ref.name(), deployment);
            deployments.put(deployment, isPod);
            previous = specOf(prev);
        }
        return track(previous.withCount(previous.groups().get(0).name(), now.groups().get(0).desired()), true, false, Start.after(deployments, mark));
    }

    /**
     * Removes the job's group ({@code DELETE /v2/groups/[ns/]job?force=true}) after reading it: a group that holds no app
     * or pod of the job's that Baton created is not removed (a {@link NotFoundException} that says what is there and is
     * not managed by Baton), and when it holds others beside the job's, only the job's are removed
     * ({@code DELETE /v2/apps/{id}} and {@code /v2/pods/{id}}, with {@code force=true}), so nothing Baton did not create
     * is deleted with it. The read is left out when this orchestrator's deploy of the job read the group with the event
     * stream attached, found only the job's own apps and pods, and the stream has stayed attached since and shown no
     * deployment under the group but this orchestrator's own: then the group is known to hold the job's alone.
     */
    @Override
    public void undeploy(String jobId) {
        JobRef ref = JobRef.parse(jobId, namespace);
        String ns = ref.namespace();
        String job = ref.name();
        String prefix = prefix(ns, job);
        GroupView view = views.remove(prefix);
        if (view != null && events.onlyOwnDeploymentsSince(events.job(prefix), view.mark(), view.deployments())) {
            client.write("DELETE", "/v2/groups" + AppTranslator.groupId(ns, job), q("force", "true"), null);
            return;
        }
        Optional<JsonNode> group = group(ns, job);
        List<RunSpec> all = group.map(MarathonOrchestrator::runSpecs).orElse(List.of());
        List<RunSpec> owned = all.stream().filter(r -> ours(r.labels(), job)).toList();
        if (owned.isEmpty()) {
            throw notFound(ns, job, foreign(ns, job, group), "; not removed");
        }
        if (owned.size() == all.size()) {
            client.write("DELETE", "/v2/groups" + AppTranslator.groupId(ns, job), q("force", "true"), null);
            return;
        }
        for (RunSpec r : owned) {
            try {
                if (r.kind().equals("pod")) {
                    client.deleteAccepted("/v2/pods" + r.id(), q("force", "true"));
                } else {
                    client.write("DELETE", "/v2/apps" + r.id(), q("force", "true"), null);
                }
            } catch (NotFoundException gone) {
                // removed meanwhile
            }
        }
    }

    @Override
    public List<Host> hosts() {
        Map<String, Host> out = new LinkedHashMap<>();
        for (JsonNode t : client.get("/v2/tasks", Map.of()).path("tasks")) {
            String agent = t.path("slaveId").asText(t.path("host").asText());
            // Marathon tells which agents run tasks and their host names, nothing about their resources or state
            out.putIfAbsent(agent, new Host(agent, t.path("host").asText(), t.path("host").asText(), Host.HostState.READY,
                    Host.Availability.ACTIVE, Map.of(), null, null, null, null));
        }
        return List.copyOf(out.values());
    }

    @Override
    public List<Endpoint> endpoints(String serviceName) {
        List<Endpoint> out = new ArrayList<>();
        for (JsonNode a : client.get("/v2/apps", q("label", selector(SERVICE_LABEL + serviceName), "embed", "apps.tasks")).path("apps")) {
            String port = a.path("labels").path(SERVICE_LABEL + serviceName).asText();
            JsonNode defs = a.path("portDefinitions");
            int index = 0;
            for (int i = 0; i < defs.size(); i++) {
                if (port.equals(defs.get(i).path("name").asText())) {
                    index = i;
                }
            }
            for (JsonNode t : a.path("tasks")) {
                if ("TASK_RUNNING".equals(t.path("state").asText("TASK_RUNNING")) && t.path("ports").size() > index) {
                    out.add(new Endpoint(serviceName, t.path("id").asText(), t.path("host").asText(), t.path("ports").get(index).asInt()));
                }
            }
        }
        for (JsonNode p : podStatuses(SERVICE_LABEL + serviceName)) {
            String port = p.path("spec").path("labels").path(SERVICE_LABEL + serviceName).asText();
            for (JsonNode i : p.path("instances")) {
                if (!Set.of("STABLE", "DEGRADED").contains(i.path("status").asText())) {
                    continue;
                }
                for (JsonNode c : i.path("containers")) {
                    for (JsonNode e : c.path("endpoints")) {
                        if (port.equals(e.path("name").asText()) && e.has("allocatedHostPort")) {
                            out.add(new Endpoint(serviceName, i.path("id").asText(), i.path("agentHostname").asText(), e.path("allocatedHostPort").asInt()));
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Calls {@code listener} (on a thread of the watch's own) at each event of the job, and when the orchestrator's event
     * stream attaches again; the stream is the one every await and watch shares.
     */
    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        JobRef ref = JobRef.parse(jobId, namespace);
        EventStream.Job job = events.job(prefix(ref.namespace(), ref.name()));
        EventStream.Lease lease = events.acquire();
        String name = ref.name();
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread t = new Thread(() -> {
            long seen = events.mark(job).count();
            try {
                while (open.get() && !events.isClosed()) {
                    long now = events.await(job, seen, 60_000);
                    if (now != seen && open.get()) {
                        listener.accept(Event.of(name, Event.Type.PLATFORM, "marathon event"));
                    }
                    seen = now;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "baton-marathon-watch");
        t.setDaemon(true);
        t.start();
        return () -> {
            if (open.compareAndSet(true, false)) {
                t.interrupt();
                lease.close();
            }
        };
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        // the adapter itself, for Marathon-only operations such as restart: orchestrator.facet(MarathonOrchestrator.class)
        return type == MarathonOrchestrator.class ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public void close() {
        client.close();
    }
}
