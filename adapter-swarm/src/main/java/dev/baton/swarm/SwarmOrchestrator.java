package dev.baton.swarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import dev.baton.OrchestratorException;
import dev.baton.PlatformException;
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
import dev.baton.swarm.internal.EventFeed;
import dev.baton.swarm.internal.ImageRef;
import dev.baton.swarm.internal.RegistryAuth;
import dev.baton.swarm.internal.ServiceTranslator;
import dev.baton.swarm.internal.ServiceTranslator.Rendered;
import dev.baton.swarm.internal.SwarmSecrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator of {@code swarm://}: one Swarm service per group, created and updated with the Engine API and
 * the service's version index (a concurrent change is a {@link ConflictException}), followed cluster-wide through the
 * engine's event stream (service and node events, which the manager emits for the whole swarm) and reads of the job's
 * tasks.
 *
 * @since 0.1
 */
public final class SwarmOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, LogsFacet, dev.baton.spi.SpecRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmOrchestrator.class);
    private static final String PLATFORM = Engine.PLATFORM;
    /** The longest wait on the event stream before the job's state is read again (a resynchronisation). */
    private static final Duration EVENT_WINDOW = Duration.ofSeconds(10);
    /**
     * The first re-read of tasks that are still moving; each read that shows no change doubles the wait, up to
     * {@link #EVENT_WINDOW}, and each change starts it over. The engine has no event for a task's state on another
     * node (see {@link #track}).
     */
    static final Duration FIRST_REREAD = Duration.ofMillis(250);
    /**
     * How long after a container event of one of the job's tasks the tasks are read: the agent reports a task's state to
     * the manager, whose dispatcher writes such reports in batches at most this far apart (swarmkit
     * {@code manager/dispatcher/dispatcher.go maxBatchInterval}, 100 ms), so a read at the event itself would mostly
     * show the state before it.
     */
    static final Duration AGENT_REPORT = Duration.ofMillis(100);
    /**
     * How long the read after a container event may wait for more of them: the replicas of a service start within
     * moments of each other, and one read after the last of them shows them all. Container events the last read
     * already had (received {@link #AGENT_REPORT} or more before it) call for no read.
     */
    static final Duration TASK_BURST = Duration.ofMillis(300);
    /**
     * What the engine's clock may be off from this connection's estimate of it ({@link Engine#now()}: half a second at
     * worst) and more: {@code since} of an event wait starts this much before the read it follows.
     */
    private static final Duration CLOCK_MARGIN = Duration.ofSeconds(1);
    private static final Set<String> FAILED_STATES = Set.of("failed", "rejected", "orphaned");
    /** Task states after which a task does not run again (swarmkit {@code api/types.proto TaskState}). */
    private static final Set<String> TERMINAL_STATES = Set.of("complete", "shutdown", "failed", "rejected", "remove", "orphaned");
    /** The Engine API header that carries registry credentials (moby {@code api/types/registry/authconfig.go AuthHeader}). */
    static final String AUTH_HEADER = "X-Registry-Auth";
    /**
     * How long a task must stay running when its service sets no {@code UpdateConfig.Monitor}: swarmkit's own default
     * monitor (5 s, {@code api/defaults/service.go} in moby/swarmkit), which the engine applies to such a service's
     * updates. Baton sends {@code Monitor} only when the spec sets {@code update.minHealthyTime}.
     */
    static final Duration DEFAULT_MIN_HEALTHY_TIME = Duration.ofSeconds(5);
    /** The least time undeploy waits for the job's overlay network to be let go by its stopping tasks. */
    static final Duration MIN_NETWORK_REMOVAL_LIMIT = Duration.ofSeconds(30);

    private final Engine engine;
    private final SwarmSecrets secrets;
    private final RegistryAuth registryAuth;
    private final Duration networkRemovalLimit;
    /**
     * The nodes as last read, and when (this machine's clock), for the hosts of the next await's tasks if it starts
     * within {@link #EVENT_WINDOW} (the period in which an await reads again what no event announced). During an await a
     * node event reads them again; {@link #status} and {@link #hosts} read them each time.
     */
    private volatile NodesRead nodeCache;
    /** The threads of the watches still open ({@link #watch}), ended by {@link #close()}. */
    private final Set<Thread> watchers = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private record NodesRead(JsonNode nodes, Instant at) {
    }

    SwarmOrchestrator(Engine engine) {
        this(engine, RegistryAuth.none(), MIN_NETWORK_REMOVAL_LIMIT);
    }

    SwarmOrchestrator(Engine engine, RegistryAuth registryAuth, Duration networkRemovalLimit) {
        this.engine = engine;
        this.secrets = new SwarmSecrets(engine);
        this.registryAuth = registryAuth;
        this.networkRemovalLimit = networkRemovalLimit;
    }

    /**
     * An orchestrator over a docker-java transport the application already has: its proxy, TLS, timeouts and any
     * request handling it wraps in go with every Engine API call, raw and typed. {@link #close()} leaves the transport
     * open (the caller owns it). Registry credentials are read as the docker CLI reads them, from this process's
     * environment; requests are not retried.
     *
     * <pre>{@code
     * DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
     * DockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
     *         .sslConfig(config.getSSLConfig()).build();
     * try (Orchestrator swarm = SwarmOrchestrator.using(config.getDockerHost(), http)) {
     *     swarm.deploy(spec).await(Duration.ofMinutes(2));
     * }
     * }</pre>
     *
     * @param dockerHost the engine's address the transport reaches ({@code unix:///var/run/docker.sock}, {@code tcp://host:2376})
     * @param transport the transport every request goes through
     * @since 0.1
     */
    public static Orchestrator using(java.net.URI dockerHost, com.github.dockerjava.transport.DockerHttpClient transport) {
        SwarmOrchestrator swarm = new SwarmOrchestrator(new Engine(dockerHost.toString(), transport, dev.baton.spi.RetryPolicy.none()),
                new RegistryAuth(name -> Optional.ofNullable(System.getenv(name))), MIN_NETWORK_REMOVAL_LIMIT);
        return new dev.baton.internal.GuardedOrchestrator(swarm, SwarmProvider.CAPABILITIES);
    }

    /** How many Engine API requests this orchestrator has sent (for tests and diagnostics). */
    public int engineRequests() {
        return engine.requests();
    }

    /** The method and path of the last Engine API requests this orchestrator sent, oldest first (for tests and diagnostics). */
    public List<String> engineRequestLog() {
        return engine.requestLog();
    }

    private static String name(String jobId) {
        return JobRef.parse(jobId, null).name();
    }

    @Override
    public PlatformInfo platform() {
        JsonNode version = engine.versionInfo();
        String leader = null;
        for (JsonNode n : nodes()) {
            if (n.path("ManagerStatus").path("Leader").asBoolean()) {
                leader = n.path("Description").path("Hostname").asText() + " (" + n.path("ManagerStatus").path("Addr").asText() + ")";
            }
        }
        String api = version.path("ApiVersion").asText();
        return new PlatformInfo(PLATFORM, version.path("Version").asText(null) + " (API " + api + ")"
                + (api.equals(engine.apiVersion()) ? "" : ", Baton speaks API " + engine.apiVersion()), leader);
    }
    @Override
    public Capabilities capabilities() {
        return SwarmProvider.CAPABILITIES;
    }

    /** The translation's structural refusals (a second health check, restart always on a batch job, a spread Swarm cannot do), all at once. */
    @Override
    public List<dev.baton.Unsupported> refusals(JobSpec spec) {
        return ServiceTranslator.refusals(spec);
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


    /**
     * Creates or updates the job's services. A service whose spec version, replica count and mounted secret versions
     * are those asked for is left alone. The image of a service that is created or updated is first pinned to its
     * digest, as {@code docker service create} does ({@link #pinImage}), and the user's registry credentials go with the
     * request ({@code X-Registry-Auth}) when the docker configuration has some for the image's registry.
     */
    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        List<Rendered> rendered = ServiceTranslator.services(spec);
        List<JsonNode> live = services(spec.name());
        // the engine's clock (the Date header of the answer just read), so that update and task times compare with it
        Instant since = engine.now();
        for (JsonNode s : live) {
            String ns = s.path("Spec").path("Labels").path(ServiceTranslator.NAMESPACE_LABEL).asText(null);
            if (!java.util.Objects.equals(ns, spec.namespace())) {
                throw ConflictException.of(PLATFORM, "job " + spec.name() + " already exists in namespace " + (ns == null ? "(none)" : ns)
                        + "; Swarm service names are global, so one job name cannot be used in two namespaces");
            }
        }
        resolveSecrets(rendered);
        boolean changed = false;
        List<String> warnings = new ArrayList<>();
        // services updated without a new spec version whose tasks Swarm replaces (a rotated secret, a forced update):
        // their old tasks carry the same version label, so only Swarm's own update status tells when the replacement
        // is done. A change of the replica count alone is not among them: it replaces no task, and swarmkit starts no
        // update for it (manager/orchestrator/update/updater.go Run: "Abort immediately if all tasks are clean", with
        // no UpdateStatus; controlapi UpdateService resets UpdateStatus to nil) — such a deploy is done when the tasks
        // running match the new count, as a scale is.
        Map<String, String> sameVersion = new HashMap<>();
        // the job's services as the await starts from them, when nothing needs reading: those left alone as listed,
        // those created as sent (with the id the engine gave); null once one is updated (its UpdateStatus is the engine's)
        List<JsonNode> known = new ArrayList<>();
        boolean allCreated = true;
        for (Rendered r : rendered) {
            Optional<JsonNode> current = byName(live, r.name());
            if (current.isPresent() && unchanged(current.get(), r.spec()) && !options.force()) {
                if (known != null) {
                    known.add(current.get());
                }
                allCreated = false;
                continue;
            }
            changed = true;
            ObjectNode body = r.spec().deepCopy();
            Map<String, String> headers = pinImage(body, warnings);
            JsonNode answer;
            if (current.isEmpty()) {
                if (r.network() != null) {
                    ensureNetwork(spec.name(), r.network());
                }
                answer = engine.send("create service " + r.name(), "POST", "/services/create", Map.of(), body, headers);
                if (known != null) {
                    ObjectNode created = JsonNodeFactory.instance.objectNode();
                    created.put("ID", answer.path("ID").asText());
                    created.set("Spec", body);
                    known.add(created);
                }
            } else {
                known = null;
                allCreated = false;
                JsonNode cur = current.get();
                if (options.force()) {
                    ((ObjectNode) body.path("TaskTemplate")).put("ForceUpdate", cur.path("Spec").path("TaskTemplate").path("ForceUpdate").asLong() + 1);
                }
                answer = engine.send("update service " + r.name(), "POST", "/services/" + cur.path("ID").asText() + "/update",
                        Map.of("version", cur.path("Version").path("Index").asText()), body, headers);
                boolean sameLabel = cur.path("Spec").path("Labels").path(SpecVersion.LABEL).asText()
                        .equals(r.spec().path("Labels").path(SpecVersion.LABEL).asText());
                if (sameLabel && (options.force() || !secretIds(cur.path("Spec")).equals(secretIds(body)))) {
                    // the update is Swarm's once its UpdateStatus starts anew (compared by value: no clock involved)
                    sameVersion.put(r.name(), cur.path("UpdateStatus").path("StartedAt").asText(""));
                }
            }
            // the engine's own warnings (ServiceCreateResponse / ServiceUpdateResponse "Warnings")
            answer.path("Warnings").forEach(w -> warnings.add(w.asText()));
        }
        for (JsonNode s : live) {
            String n = s.path("Spec").path("Name").asText();
            if (rendered.stream().noneMatch(r -> r.name().equals(n))) {
                engine.send("remove service " + n, "DELETE", "/services/" + s.path("ID").asText(), Map.of(), null);
                changed = true;
            }
        }
        return track(spec, changed, false, since, sameVersion, warnings, new Known(known, changed && allCreated));
    }

    /**
     * What an await can start from without reading: the job's services ({@code services}, null: read them), and whether
     * they were all created a moment ago ({@code created}), so that their tasks are new and not worth a read before the
     * first event or re-read time.
     */
    private record Known(List<JsonNode> services, boolean created) {
        static final Known NOTHING = new Known(null, false);
    }

    /**
     * Pins the service's image to a digest, as {@code docker service create} does (moby {@code client/service_create.go}
     * with {@code QueryRegistry}, docker/cli {@code cli/command/service/create.go}): the reference gets the tag
     * {@code latest} when it has none ({@code imageWithTagString}), the engine asks the registry for its digest
     * ({@code GET /distribution/{name}/json}, with the registry credentials), and the spec names
     * {@code image:tag@digest} ({@code imageWithDigestString}), so that every node runs the same image even when the
     * tag moves; the image's platforms become {@code Placement.Platforms} unless the spec has some
     * ({@code imageDigestAndPlatforms}: {@code unknown} ones left out, {@code arm}'s architecture cleared).
     *
     * <p>An image no registry has (one loaded into each engine, as the tests' {@code localhost/baton-busybox:1}), or a
     * registry that does not answer, is what the CLI degrades on, and so does this: the service is sent with the
     * unpinned reference and a warning in the CLI's words ({@code digestWarning}), which the deployment reports as an
     * event, in its result message and in the log. An image already given by digest is not looked up.
     *
     * @return the request headers that carry the registry credentials, if the docker configuration has some
     */
    private Map<String, String> pinImage(ObjectNode spec, List<String> warnings) {
        JsonNode c = spec.path("TaskTemplate").path("ContainerSpec");
        if (!(c instanceof ObjectNode container) || !container.has("Image")) {
            return Map.of();
        }
        ImageRef ref;
        try {
            ref = ImageRef.parse(container.path("Image").asText()).withDefaultTag();
        } catch (IllegalArgumentException e) {
            return Map.of(); // the engine refuses it with its own message
        }
        container.put("Image", ref.familiar());
        Map<String, String> headers = registryAuth.header(ref).map(h -> Map.of(AUTH_HEADER, h)).orElse(Map.of());
        if (ref.digest() != null) {
            return headers;
        }
        try {
            // sent once, not retried: a registry that does not answer is a warning, not worth the retries' wait
            JsonNode d = engine.send("resolve image " + ref.familiar(), "GET", "/distribution/" + ref.familiar() + "/json", Map.of(), null, headers);
            String digest = d.path("Descriptor").path("digest").asText("");
            if (digest.isBlank()) {
                throw PlatformException.of(PLATFORM, 200, "the engine's distribution inspect has no digest");
            }
            container.put("Image", ref.withDigest(digest).familiar());
            platforms(spec, d.path("Platforms"));
        } catch (OrchestratorException e) {
            String warning = digestWarning(ref.familiar()) + " (" + e.getMessage() + ")";
            LOG.warn("{}", warning);
            warnings.add(warning);
        }
        return headers;
    }

    /** The docker CLI's warning for an image it could not pin (moby {@code client/service_create.go digestWarning}). */
    static String digestWarning(String image) {
        return "image " + image + " could not be accessed on a registry to record its digest. Each node will access " + image
                + " independently, possibly leading to different nodes running different versions of the image.";
    }

    /** {@code Placement.Platforms} from the image's platforms, as moby's client sets them ({@code imageDigestAndPlatforms}). */
    private static void platforms(ObjectNode spec, JsonNode found) {
        if (found == null || !found.isArray() || found.isEmpty() || spec.path("TaskTemplate").path("Placement").has("Platforms")) {
            return;
        }
        Set<String> seen = new java.util.LinkedHashSet<>();
        com.fasterxml.jackson.databind.node.ArrayNode out = Engine.JSON.createArrayNode();
        for (JsonNode p : found) {
            String os = p.path("os").asText("");
            String arch = p.path("architecture").asText("");
            if (os.equals("unknown") || arch.equals("unknown")) {
                continue; // attestations and other entries of the index
            }
            if (arch.equalsIgnoreCase("arm")) {
                arch = ""; // moby/swarmkit#2294: nodes report armv7l and the like
            }
            if (seen.add(os + "/" + arch)) {
                out.addObject().put("Architecture", arch).put("OS", os);
            }
        }
        if (!out.isEmpty()) {
            ((ObjectNode) spec.path("TaskTemplate")).withObject("/Placement").set("Platforms", out);
        }
    }

    /**
     * Fills in the newest version of each secret key the services mount; one request, and only when some do. The
     * logical name is {@code <secret>.<key>}: secret names have no dot, so the first dot divides it (keys may have dots).
     */
    private void resolveSecrets(List<Rendered> rendered) {
        boolean any = rendered.stream().anyMatch(r -> r.spec().path("TaskTemplate").path("ContainerSpec").has("Secrets"));
        if (!any) {
            return;
        }
        List<SwarmSecrets.Version> all = secrets.versions(null);
        for (Rendered r : rendered) {
            for (JsonNode m : r.spec().path("TaskTemplate").path("ContainerSpec").path("Secrets")) {
                String logical = m.path("SecretName").asText();
                int dot = logical.indexOf('.');
                SwarmSecrets.Version v = secrets.resolve(all, logical.substring(0, dot), logical.substring(dot + 1));
                ((ObjectNode) m).put("SecretID", v.id()).put("SecretName", v.name());
            }
        }
    }

    private void ensureNetwork(String job, String network) {
        ObjectNode body = Engine.JSON.createObjectNode();
        body.put("Name", network);
        body.put("Driver", "overlay");
        if (!engine.apiAtLeast("1.44")) {
            // deprecated in 1.44, where a duplicate name always fails (moby api/docs/CHANGELOG.md, v1.44)
            body.put("CheckDuplicate", true);
        }
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
        return secretIds(spec).equals(secretIds(wanted));
    }

    /** The ids of the secrets a service spec mounts, in order. */
    private static List<String> secretIds(JsonNode spec) {
        List<String> ids = new ArrayList<>();
        spec.path("TaskTemplate").path("ContainerSpec").path("Secrets").forEach(s -> ids.add(s.path("SecretID").asText()));
        return ids;
    }

    /**
     * Follows a deploy, scale or rollback until every group runs its desired healthy tasks of the target version, Swarm
     * rolls the update back or pauses it, or a task of the new version fails outside an update (a new service whose
     * tasks fail their health check: Swarm would restart them for ever). A running task counts once it has stayed
     * running for its service's {@link #minHealthyTime}.
     *
     * <p>What it waits on. The manager's {@code /events} carry cluster events for the whole swarm, but only for nodes,
     * services, networks, secrets and configs (moby {@code daemon/cluster/noderunner.go watchClusterEvents},
     * {@code daemon/events.go generateClusterEvent}); container events come only from the node the client talks to,
     * and there is no task event at all. So the job's tasks are read (one {@code GET /tasks}, all nodes) after each
     * service or node event of the job's swarm (a service event also re-reads the services, a node event the nodes),
     * when the next running task's minHealthyTime is up (a deadline from the task's own timestamp), and, while some
     * task is not yet in the state Swarm wants it in (or an update is under way), after {@link #FIRST_REREAD}, doubling
     * while nothing changes, up to {@link #EVENT_WINDOW}; with nothing moving, after {@link #EVENT_WINDOW}. A
     * container event of the job's tasks that starts, ends or changes its health is read {@link #AGENT_REPORT} after
     * the last of its burst ({@link #TASK_BURST}), and not at all when the last read came that long after it; the
     * creation of such a container restarts the re-read time (the task got past its node's checks, and its start is
     * the next event). The events
     * come from one request for the whole await ({@link EventFeed}: no {@code until}, {@code since} just before the
     * first read, in the engine's clock, {@link Engine#now()}); each wait takes from it with a timeout, so an event
     * that arrives while the state is read is taken by the next wait, not asked for again. A stream the engine ends or
     * that breaks off is opened again, after the last event taken from it, once the services, nodes and tasks are read
     * again; the await's end aborts it.
     *
     * <p>What it reads first: only what the deploy cannot tell it ({@code known}). Services the deploy created are as
     * it sent them, with the ids the engine answered, and those it left alone as it listed them; an update's service is
     * read (its {@code UpdateStatus} is the engine's). The tasks of replicated services created a moment ago are new,
     * and are first read at the first event or re-read time. The nodes come from the orchestrator's last read of them
     * when that is recent ({@link #nodeCache}), and are read again on a node event, for a task on a node they do not
     * have, and for a global service.
     */
    private Deployment track(JobSpec spec, boolean changed, boolean rollback, Instant since, Map<String, String> awaitUpdate,
                             List<String> warnings, Known known) {
        String version = SpecVersion.of(spec);
        String job = spec.name();
        return DeploymentTracker.started(PLATFORM, job, version, changed, (tracker, deadline) -> {
            for (String w : warnings) {
                tracker.event(Event.of(job, Event.Type.PLATFORM, "warning: " + w));
            }
            List<JsonNode> services = known.services();
            boolean readServices = services == null;
            // the nodes as last read (a task's host); read again on a node event, for a task on a node not among
            // them, and at the start when a global service's desired count depends on them
            NodesRead lastNodes = nodeCache;
            JsonNode nodes = lastNodes == null || lastNodes.at().isBefore(Instant.now().minus(EVENT_WINDOW))
                    ? JsonNodeFactory.instance.arrayNode() : lastNodes.nodes();
            boolean readNodes = false;
            boolean first = true;
            // the tasks of replicated services just created are new: the first read waits for the first event or re-read
            // time (a global service's desired count is that of its tasks when constraints narrow its nodes: read them)
            boolean readTasks = !known.created() || services.stream().anyMatch(s -> replicas(s.path("Spec")) < 0);
            JsonNode tasks = JsonNodeFactory.instance.arrayNode();
            Instant consumed = null;
            // when the tasks were last read ({@link System#nanoTime()}), null before the first read
            Long tasksReadAt = null;
            Backoff backoff = new Backoff();
            String before = null;
            EventFeed feed = null;
            try {
            while (!tracker.isDone()) {
                Instant readAt = engine.now();
                if (readServices) {
                    services = services(job);
                }
                if (first && services.stream().anyMatch(s -> replicas(s.path("Spec")) < 0)) {
                    // a global service wants a task per ready, active node: its desired count is read, not remembered
                    readNodes = true;
                }
                first = false;
                if (readTasks) {
                    tasksReadAt = System.nanoTime();
                    tasks = tasks(job);
                }
                if (readNodes || onUnknownNode(tasks, nodes)) {
                    nodes = nodes();
                }
                readServices = false;
                readNodes = false;
                readTasks = true;
                JobStatus status = statusOf(job, services, tasks, nodes, readAt);
                if (verdict(tracker, spec, version, rollback, services, tasks, status, since, awaitUpdate, warnings)) {
                    return;
                }
                tracker.progress(status);
                String seen = fingerprint(services, tasks);
                if (!seen.equals(before)) {
                    backoff.reset();
                }
                before = seen;
                Duration left = Duration.between(Instant.now(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return;
                }
                Duration window = inFlux(services, tasks, status) ? backoff.next() : EVENT_WINDOW;
                // a running task counts once it has stayed running for minHealthyTime, which no event announces: wake
                // up then (no sooner than needed), unless an event comes first
                Duration limit = left;
                Optional<Instant> counts = nextToCount(services, tasks, readAt);
                if (counts.isPresent()) {
                    Duration untilCounts = Duration.between(engine.now(), counts.get());
                    if (untilCounts.isNegative() || untilCounts.isZero()) {
                        continue;
                    }
                    limit = shorter(limit, untilCounts);
                }
                Set<String> names = new HashSet<>();
                Set<String> read = new HashSet<>();
                services.forEach(s -> {
                    names.add(s.path("Spec").path("Name").asText());
                    read.add(s.path("ID").asText());
                });
                if (feed == null) {
                    // one request for the whole await
                    feed = listen(readAt, consumed, false, "baton-swarm-await-" + job);
                }
                Wake kind = Wake.TIMEOUT;
                ReadTime when = new ReadTime(System.nanoTime(), window, limit, left, tasksReadAt);
                while (true) {
                    EventFeed.Next next = next(feed, when);
                    if (next.ended()) {
                        feed.close();
                        feed = null;
                        // the stream broke off: the state is read again, then listened to from the last event taken
                        kind = Wake.DROPPED;
                        break;
                    }
                    if (next.event() == null) {
                        break;
                    }
                    consumed = eventTime(next.event());
                    Wake w = relevant(next.event(), names, read);
                    if (when.take(w, next.receivedNanos(), System.nanoTime())) {
                        kind = w;
                        break;
                    }
                }
                switch (kind) {
                    case SERVICE -> readServices = true;
                    case NODE -> readNodes = true;
                    case DROPPED -> {
                        readServices = true;
                        readNodes = true;
                    }
                    default -> {
                        // a container event of the job's tasks, or the re-read time: read the tasks again
                    }
                }
            }
            } finally {
                // an interrupt goes on to the tracker, whose outcome is then INTERRUPTED
                if (feed != null) {
                    feed.close();
                }
            }
        });
    }

    /**
     * One events request, held until closed ({@link EventFeed}), from just before the read at {@code readAt} (the
     * engine's clock) so that nothing between that read and the wait is missed; after a stream that broke off, from
     * after the last event taken from it ({@code consumed}) when that is later, or, with {@code everyEvent} (a watch,
     * whose listener is owed the service events of the gap), in any case.
     */
    private EventFeed listen(Instant readAt, Instant consumed, boolean everyEvent, String threadName) {
        Instant from = readAt.minus(CLOCK_MARGIN);
        if (consumed != null && (everyEvent || !consumed.isBefore(from))) {
            from = consumed.plusNanos(1);
        }
        return new EventFeed(engine, "follow the engine's events", eventQuery(from), threadName);
    }

    /**
     * The next event from {@code feed} before {@code when} is due (an empty {@link EventFeed.Next} when it is due), or the
     * stream's end: a stream the engine refused is thrown, one that broke off is returned after a pause (the caller
     * reads the state again and listens anew).
     */
    private static EventFeed.Next next(EventFeed feed, ReadTime when) throws InterruptedException {
        long toWait = when.due() - System.nanoTime();
        if (toWait <= 0) {
            return new EventFeed.Next(null, 0, false, null);
        }
        EventFeed.Next next = feed.next(Duration.ofNanos(toWait));
        if (next.ended()) {
            if (next.cause() != null && !(next.cause() instanceof PlatformUnavailableException)) {
                feed.close();
                throw next.cause();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return next;
    }

    /** The {@code /events} query of an await: service, node and container events since {@code since} (the engine's clock), with no end. */
    private static Map<String, String> eventQuery(Instant since) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("since", epochSeconds(since));
        q.put("filters", Engine.filters(Map.of("type", List.of("service", "node", "container"))));
        return q;
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The waits between re-reads of tasks that are still moving: {@link #FIRST_REREAD}, doubling up to {@link #EVENT_WINDOW}. */
    private static final class Backoff {
        private Duration next = FIRST_REREAD;

        Duration next() {
            Duration d = next;
            next = shorter(next.multipliedBy(2), EVENT_WINDOW);
            return d;
        }

        void reset() {
            next = FIRST_REREAD;
        }
    }

    /** What a read showed that can change without an event: each task's state and desired state, each service's update state. */
    private static String fingerprint(List<JsonNode> services, JsonNode tasks) {
        List<String> parts = new ArrayList<>();
        services.forEach(s -> parts.add(s.path("ID").asText() + ":" + s.path("UpdateStatus").path("State").asText("")));
        tasks.forEach(t -> parts.add(t.path("ID").asText() + ":" + t.path("Status").path("State").asText() + ":" + t.path("DesiredState").asText()));
        java.util.Collections.sort(parts);
        return String.join(",", parts);
    }

    /**
     * Whether Swarm is still moving the job's tasks: a service updating or rolling back, a group with fewer live tasks
     * than it wants, or a task not yet in the state Swarm wants it in (not yet running, or not yet stopped).
     */
    private static boolean inFlux(List<JsonNode> services, JsonNode tasks, JobStatus status) {
        if (services.stream().anyMatch(SwarmOrchestrator::updating)) {
            return true;
        }
        if (status.groups().stream().anyMatch(g -> g.instances().stream().filter(i -> !i.state().isTerminal()).count() < g.desired())) {
            return true;
        }
        for (JsonNode t : tasks) {
            if (inFlux(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean inFlux(JsonNode task) {
        String desired = task.path("DesiredState").asText();
        String state = task.path("Status").path("State").asText();
        return desired.equals("running") ? !state.equals("running") : !TERMINAL_STATES.contains(state);
    }
    /** Decides the deployment's end, if it has one; returns whether it did. */
    private boolean verdict(DeploymentTracker tracker, JobSpec spec, String version, boolean rollback, List<JsonNode> services,
                            JsonNode tasks, JobStatus status, Instant since, Map<String, String> awaitUpdate, List<String> warnings) {
        for (JsonNode s : services) {
            JsonNode u = s.path("UpdateStatus");
            String state = u.path("State").asText("");
            boolean recent = u.has("StartedAt") && !Instant.parse(u.path("StartedAt").asText()).isBefore(since.minus(CLOCK_MARGIN));
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
                            complete(tracker, warnings, Outcome.ROLLED_BACK, status, "Swarm rolled " + s.path("Spec").path("Name").asText() + " back: " + msg);
                            return true;
                        }
                        return false;
                    }
                }
                case "paused", "rollback_paused" -> {
                    complete(tracker, warnings, Outcome.FAILED, status, "Swarm paused the " + (state.startsWith("rollback") ? "rollback" : "update")
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
            complete(tracker, warnings, spec.type() == JobType.BATCH ? Outcome.COMPLETED : Outcome.HEALTHY, status,
                    spec.type() == JobType.BATCH ? "completed" : "healthy");
            return true;
        }
        if (!inProgress) {
            for (JsonNode s : services) {
                JsonNode failed = recentFailure(tasks, s, version, since, spec.type());
                boolean retried = spec.type() == JobType.BATCH
                        && !"none".equals(s.path("Spec").path("TaskTemplate").path("RestartPolicy").path("Condition").asText());
                if (failed != null && !retried) {
                    complete(tracker, warnings, Outcome.FAILED, status, "task " + failed.path("ID").asText() + " of " + s.path("Spec").path("Name").asText()
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


    /** Ends the deployment, its message followed by the deploy's warnings (an image that could not be pinned). */
    private static void complete(DeploymentTracker tracker, List<String> warnings, Outcome outcome, JobStatus status, String message) {
        tracker.complete(outcome, status, warnings.isEmpty() ? message : message + " (warning: " + String.join("; ", warnings) + ")");
    }

    /**
     * When a wait of an await on the event stream ends and the tasks are read ({@link System#nanoTime()} throughout). A
     * service or node event ends it at once. Otherwise it ends at the re-read time, {@code window} from its start,
     * which the creation of a container of the job's tasks restarts (the task got past its node's checks of image and
     * mounts, and its container's start or end is the next event). A container event that starts, ends or changes the
     * health of one of the job's tasks ends it {@link #AGENT_REPORT} after that event was received, or after the last
     * of a burst of them (the replicas of a service start within moments of each other), but no later than
     * {@link #TASK_BURST} after the first; one the last read of the tasks came that long after calls for nothing.
     */
    static final class ReadTime {
        private final long window;
        private final long limit;
        private final long deadline;
        private final Long lastRead;
        private long end;
        private boolean task;
        private long taskDue;
        private long burstEnd;

        /**
         * A wait that starts at {@code now}, after a read of the tasks at {@code lastRead} (null: none yet), that nothing
         * but a container event puts past {@code limit} from {@code now} (when a running task will count), and nothing
         * past {@code deadline} from {@code now} (the await's): a container that ends just before a task counts is read
         * after its report, not at the count time, before its report.
         */
        ReadTime(long now, Duration window, Duration limit, Duration deadline, Long lastRead) {
            this.window = window.toNanos();
            this.deadline = now + deadline.toNanos();
            this.limit = earlier(now + limit.toNanos(), this.deadline);
            this.lastRead = lastRead;
            this.end = earlier(now + this.window, this.limit);
        }

        /** A wait with no limit but its events (a watch's). */
        ReadTime(long now, Duration window, Long lastRead) {
            this(now, window, UNBOUNDED, UNBOUNDED, lastRead);
        }

        private static final Duration UNBOUNDED = Duration.ofDays(1);

        private static long earlier(long a, long b) {
            return a - b <= 0 ? a : b;
        }

        /** Takes an event's {@link Wake} (null: none), received at {@code received}; returns whether the wait ends now. */
        boolean take(Wake w, long received, long now) {
            if (w == null) {
                return false;
            }
            long reported = received + AGENT_REPORT.toNanos();
            switch (w) {
                case TASK -> {
                    if (lastRead != null && reported - lastRead <= 0) {
                        // the tasks were read after this container's task had been reported: that read has it
                        return false;
                    }
                    if (!task) {
                        task = true;
                        burstEnd = received + TASK_BURST.toNanos();
                        taskDue = reported;
                    }
                    if (reported - taskDue > 0) {
                        taskDue = reported;
                    }
                    if (taskDue - burstEnd > 0) {
                        taskDue = burstEnd;
                    }
                    return false;
                }
                case PROGRESS -> {
                    long restarted = earlier(now + window, limit);
                    if (restarted - end > 0) {
                        end = restarted;
                    }
                    return false;
                }
                default -> {
                    return true;
                }
            }
        }

        /** When the wait ends unless an event ends it sooner. */
        long due() {
            return task ? earlier(taskDue, deadline) : end;
        }
    }

    /** What ended a wait on the event stream. */
    enum Wake { SERVICE, NODE, TASK, PROGRESS, TIMEOUT, DROPPED }

    /** An event's time on the engine's clock ({@code timeNano}, else {@code time}). */
    private static Instant eventTime(JsonNode e) {
        long nanos = e.path("timeNano").asLong(0);
        return nanos > 0 ? Instant.ofEpochSecond(0, nanos) : Instant.ofEpochSecond(e.path("time").asLong(0));
    }

    /** An instant as the Engine API's {@code since}/{@code until} want it: seconds since the epoch, with a fraction. */
    private static String epochSeconds(Instant t) {
        return t.getEpochSecond() + "." + String.format(Locale.ROOT, "%09d", t.getNano());
    }

    /**
     * Which read an event calls for: a service event of one of the job's services re-reads the services (and tasks),
     * but not the {@code create} of a service already read (the deploy's own, which the wait from just before the
     * first read sees again) nor an {@code update} of one that changes none of its replicas, image or update state
     * (the allocator's, right after the create; a change of the task template shows in the tasks); a node event
     * (state, availability, role: moby {@code daemon/events.go logNodeEvent}) the nodes (and tasks); a container event of one of the services' tasks on the node this client talks to (moby labels
     * a task's container with {@code com.docker.swarm.service.name}) that starts, ends or changes its health the tasks
     * only; anything else none. Tasks on other nodes send no event here: they are read on the re-read schedule.
     */
    static Wake relevant(JsonNode e, Set<String> services, Set<String> read) {
        String type = e.path("Type").asText();
        JsonNode attrs = e.path("Actor").path("Attributes");
        if (type.equals("node")) {
            return Wake.NODE;
        }
        if (type.equals("service") && services.contains(attrs.path("name").asText())) {
            boolean known = read.contains(e.path("Actor").path("ID").asText());
            String action = e.path("Action").asText();
            // moby daemon/events.go logServiceEvent names on an update what changed of the replicas, the
            // image and the update's state; an update that names none of them, of a service already read, is the
            // allocator's (its endpoint, right after the create) or a change that shows in the tasks it replaces
            boolean bare = action.equals("update") && !attrs.has("replicas.new") && !attrs.has("image.new") && !attrs.has("updatestate.new");
            return known && (action.equals("create") || bare) ? null : Wake.SERVICE;
        }
        if (type.equals("container") && services.contains(attrs.path("com.docker.swarm.service.name").asText())) {
            String action = e.path("Action").asText();
            if (action.equals("create")) {
                return Wake.PROGRESS;
            }
            return action.equals("start") || action.equals("die") || action.equals("oom") || action.startsWith("health_status") ? Wake.TASK : null;
        }
        return null;
    }

    @Override
    public JobStatus status(String jobId) {
        String job = name(jobId);
        List<JsonNode> services = services(job);
        Instant readAt = engine.now();
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        return statusOf(job, services, tasks(job), nodes(), readAt);
    }

    /**
     * The tasks of the job on every node, in one request: those of the services labelled with the job (the
     * {@code label} filter of {@code GET /tasks} matches the labels of the task's service, swarmkit
     * {@code manager/controlapi/task.go ListTasks}), which also finds the tasks of a service just removed (a
     * {@code service} filter naming it is a 404).
     */
    private JsonNode tasks(String job) {
        return engine.get("list the tasks of " + job, "/tasks",
                Map.of("filters", Engine.filters(Map.of("label", List.of(SpecVersion.JOB_LABEL + "=" + job)))));
    }

    /** The job's status from services, tasks and nodes read after {@code readAt} (the engine's clock), when a task's minHealthyTime is judged. */
    private JobStatus statusOf(String job, List<JsonNode> services, JsonNode tasks, JsonNode nodeList, Instant readAt) {
        if (services.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        Map<String, JsonNode> nodes = new HashMap<>();
        nodeList.forEach(n -> nodes.put(n.path("ID").asText(), n));
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
        String address = node == null ? null : nodeAddress(node);
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

    /**
     * The swarm's nodes, read; also kept for an await that starts soon after ({@link #nodeCache}), which reads them again
     * only on a node event, for a task on a node they do not have, or for a global service.
     */
    private JsonNode nodes() {
        JsonNode read = engine.get("list nodes", "/nodes", Map.of());
        nodeCache = new NodesRead(read, Instant.now());
        return read;
    }

    /** Whether a task is on a node {@code nodes} does not have. */
    private static boolean onUnknownNode(JsonNode tasks, JsonNode nodes) {
        Set<String> ids = new HashSet<>();
        nodes.forEach(n -> ids.add(n.path("ID").asText()));
        for (JsonNode t : tasks) {
            String node = t.path("NodeID").asText("");
            if (!node.isEmpty() && !ids.contains(node)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #nodeAddress(String, String)} of a node as {@code GET /nodes} shows it. */
    static String nodeAddress(JsonNode node) {
        return nodeAddress(node.path("Status").path("Addr").asText(""), node.path("ManagerStatus").path("Addr").asText(""));
    }

    /**
     * A node's address: {@code Status.Addr}, unless that is unspecified ({@code 0.0.0.0}, {@code ::}) or loopback and
     * the node is a manager, whose {@code ManagerStatus.Addr} (the raft address other managers reach it at,
     * {@code host:port}) then gives the host. A manager's own agent registers with its dispatcher through a local
     * socket, so swarmkit records as its address the manager's advertise address or, without one, its listen address
     * (by default {@code 0.0.0.0:2377}), or {@code 127.0.0.1} (moby/swarmkit {@code manager/manager.go}
     * {@code handleRequestLocally}, {@code manager/dispatcher/dispatcher.go nodeIPFromContext}); a worker's is the
     * source address of its connection.
     */
    static String nodeAddress(String statusAddr, String managerAddr) {
        if (!unusable(statusAddr)) {
            return statusAddr;
        }
        String host = managerAddr == null ? "" : managerAddr.trim();
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            host = host.substring(0, host.indexOf(':'));
        }
        if (!unspecified(host)) {
            return host;
        }
        return statusAddr.isBlank() ? null : statusAddr;
    }

    private static boolean unspecified(String addr) {
        return addr.equals("0.0.0.0") || addr.equals("::") || addr.isBlank();
    }

    private static boolean unusable(String addr) {
        return unspecified(addr) || addr.startsWith("127.") || addr.equals("::1");
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
        Instant since = engine.now();
        engine.send("scale service " + spec.path("Name").asText(), "POST", "/services/" + s.path("ID").asText() + "/update",
                Map.of("version", s.path("Version").path("Index").asText()), spec);
        return track(storedSpec(s).withCount(group, count), true, false, since, Map.of(), List.of(), Known.NOTHING);
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
        Instant since = engine.now();
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
        return track(target, true, true, since, Map.of(), List.of(), Known.NOTHING);
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
            network |= usesJobNetwork(s);
        }
        if (network) {
            removeNetwork(job, ServiceTranslator.networkName(job));
        }
    }

    /**
     * Whether a live service is attached to its job's overlay network, which the deploy created only then: read from
     * the spec it was deployed from (the engine stores network ids, not names, in {@code Networks}). A service on the
     * host's network only has none to remove; undeploy used to try anyway, and wait out the tasks for nothing.
     */
    private static boolean usesJobNetwork(JsonNode service) {
        String stored = service.path("Spec").path("Labels").path(ServiceTranslator.SPEC_LABEL).asText(null);
        if (stored == null) {
            return service.path("Spec").path("TaskTemplate").path("Networks").size() > 0;
        }
        try {
            String group = service.path("Spec").path("Labels").path(SpecVersion.GROUP_LABEL).asText();
            return ServiceTranslator.services(dev.baton.Specs.read(stored)).stream()
                    .anyMatch(r -> r.group().equals(group) && r.network() != null);
        } catch (RuntimeException unreadable) {
            return service.path("Spec").path("TaskTemplate").path("Networks").size() > 0;
        }
    }

    /**
     * Removes the job's overlay network, and returns once it is gone: once Swarm has let it go and the job's tasks have
     * stopped. swarmkit refuses the removal while a service refers to the network or a task on it is not past running
     * with a desired state not past running ({@code manager/controlapi/network.go removeNetwork}: "network %s is in use
     * by task %s", FailedPrecondition, HTTP 400), which holds for a moment after the services are removed, until the
     * orchestrator marks their tasks for removal ({@code manager/orchestrator/service.go SetServiceTasksRemove}). Once
     * it has accepted, the engines still hold their local copies of the network while the tasks stop (each within its
     * stop grace period, 10 s by default), and the manager's {@code GET /networks/{name}} still finds it. So: the removal
     * is tried again after each refusal, the job's tasks are read (by the job's label: the services are gone) until
     * none is left that has not ended, and the network is looked up until the engine no longer has it; waiting a quarter
     * second between reads, doubling up to two, for at most {@link #networkRemovalLimit} (the request timeout, at least
     * {@link #MIN_NETWORK_REMOVAL_LIMIT}). Past that, a {@link ConflictException} says what still holds the network
     * and how to remove it by hand. It used to try for ten seconds and then return as if done.
     */
    private void removeNetwork(String job, String network) {
        Instant limit = Instant.now().plus(networkRemovalLimit);
        Duration pause = FIRST_REREAD;
        boolean accepted = false;
        String refusal = null;
        while (true) {
            if (!accepted) {
                try {
                    engine.send("remove network " + network, "DELETE", "/networks/" + network, Map.of(), null);
                    accepted = true;
                } catch (NotFoundException gone) {
                    accepted = true;
                } catch (PlatformUnavailableException down) {
                    throw down;
                } catch (OrchestratorException refused) {
                    String m = String.valueOf(refused.getMessage());
                    if (!m.contains("in use") && !m.contains("active endpoints")) {
                        throw refused;
                    }
                    refusal = m;
                }
            }
            List<String> still = new ArrayList<>();
            for (JsonNode t : tasks(job)) {
                if (!TERMINAL_STATES.contains(t.path("Status").path("State").asText())) {
                    still.add(t.path("ID").asText() + " (" + t.path("Status").path("State").asText() + ", desired " + t.path("DesiredState").asText() + ")");
                }
            }
            boolean held = false;
            if (accepted && still.isEmpty()) {
                try {
                    engine.get("look up network " + network, "/networks/" + network, Map.of());
                    held = true; // the engine's own copy, which it drops once its tasks have left it
                } catch (NotFoundException gone) {
                    return;
                }
            }
            if (!Instant.now().isBefore(limit)) {
                String what = !accepted ? "Swarm still refuses to remove their overlay network " + network + ": " + refusal
                        : held ? "the engine still has their overlay network " + network + " although Swarm removed it"
                        : "Swarm removed their overlay network " + network + ", but the engines keep it while the tasks stop";
                throw ConflictException.of(PLATFORM, "the services of job " + job + " are removed, but after " + networkRemovalLimit.toSeconds()
                        + " s " + what + (still.isEmpty() ? "" : "; tasks not yet stopped: " + String.join(", ", still))
                        + (accepted ? "; it goes once they have stopped" : "; remove it with `docker network rm " + network + "` once they have stopped"));
            }
            try {
                TimeUnit.NANOSECONDS.sleep(shorter(pause, Duration.between(Instant.now(), limit).plusMillis(1)).toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ConflictException.of(PLATFORM, "interrupted while waiting for the overlay network " + network + " of job " + job + " to go");
            }
            pause = shorter(pause.multipliedBy(2), Duration.ofSeconds(2));
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
            String statusAddr = n.getStatus() == null || n.getStatus().getAddress() == null ? "" : n.getStatus().getAddress();
            String managerAddr = n.getManagerStatus() == null ? null : n.getManagerStatus().getAddr();
            out.add(new Host(n.getId(), d.getHostname(), nodeAddress(statusAddr, managerAddr), hs, availability, labels,
                    res == null || res.getNanoCPUs() == null ? null : Cpu.ofMillicores(res.getNanoCPUs() / 1_000_000),
                    res == null || res.getMemoryBytes() == null ? null : ByteSize.ofBytes(res.getMemoryBytes()), null, null));
        }
        return out;
    }

    /**
     * Where a portable service answers: for {@code published}, every ready node's address with the published port (the
     * routing mesh answers on every node); for a task on the host's network, its node's address with the task's port;
     * for {@code internal}, on the network the service is attached to under the portable service's name (the job's
     * overlay network): in {@code vip} endpoint mode the service's virtual IP on that network — the engine lists one
     * virtual IP per network the service is on, each with its {@code NetworkID}, the ingress network's among them when
     * the group also publishes a port (moby swagger {@code ServiceEndpoint.VirtualIPs}) — and in {@code dnsrr} mode
     * (set through {@code extensions.swarm}) each running task's own address on that network
     * ({@code NetworksAttachments[].Addresses}), with the task's port.
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
            if (svc.expose() == Exposure.PUBLISHED) {
                if (nodes == null) {
                    nodes = nodes();
                }
                for (JsonNode p : s.path("Endpoint").path("Ports")) {
                    if (p.path("TargetPort").asInt() == port.port()) {
                        for (JsonNode n : nodes) {
                            if ("ready".equals(n.path("Status").path("State").asText())) {
                                out.add(new Endpoint(serviceName, n.path("ID").asText(), nodeAddress(n), p.path("PublishedPort").asInt()));
                            }
                        }
                    }
                }
            } else if (hostNetwork(spec, s)) {
                if (nodes == null) {
                    nodes = nodes();
                }
                Map<String, String> addr = new HashMap<>();
                nodes.forEach(n -> addr.put(n.path("ID").asText(), nodeAddress(n)));
                for (JsonNode t : runningTasks(s)) {
                    out.add(new Endpoint(serviceName, t.path("ID").asText(), addr.get(t.path("NodeID").asText()), port.port()));
                }
            } else {
                Set<String> networks = new HashSet<>();
                for (JsonNode n : s.path("Spec").path("TaskTemplate").path("Networks")) {
                    for (JsonNode alias : n.path("Aliases")) {
                        if (alias.asText().equals(serviceName)) {
                            networks.add(n.path("Target").asText());
                        }
                    }
                }
                if ("dnsrr".equals(s.path("Spec").path("EndpointSpec").path("Mode").asText())) {
                    for (JsonNode t : runningTasks(s)) {
                        for (JsonNode a : t.path("NetworksAttachments")) {
                            if (networks.contains(a.path("Network").path("ID").asText())) {
                                a.path("Addresses").forEach(x -> out.add(new Endpoint(serviceName, t.path("ID").asText(), host(x.asText()), port.port())));
                            }
                        }
                    }
                } else {
                    for (JsonNode vip : s.path("Endpoint").path("VirtualIPs")) {
                        String a = vip.path("Addr").asText();
                        if (!a.isBlank() && networks.contains(vip.path("NetworkID").asText())) {
                            out.add(new Endpoint(serviceName, s.path("ID").asText(), host(a), port.port()));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** An address without its prefix length ({@code 10.0.1.5/24}). */
    private static String host(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    /** The service's running tasks (desired and current state running), on every node. */
    private List<JsonNode> runningTasks(JsonNode service) {
        JsonNode tasks = engine.get("list the tasks of " + service.path("Spec").path("Name").asText(), "/tasks",
                Map.of("filters", Engine.filters(Map.of("service", List.of(service.path("ID").asText()), "desired-state", List.of("running")))));
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : tasks) {
            if ("running".equals(t.path("Status").path("State").asText())) {
                out.add(t);
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


    /**
     * Follows the job cluster-wide: the engine's service events of the job's services (passed on as they come) and node
     * events, and the job's tasks on every node, whose changes become instance events ({@code task running on <host>},
     * {@code task failed on <host>: <error>}, …). The engine has no task events, and its container events come only
     * from the node it runs on (see {@link #track}), so the tasks are read after each such event (a container event
     * as an await reads it: {@link ReadTime}), while some task is still moving ({@link #FIRST_REREAD}, doubling while
     * nothing changes), and otherwise every {@link #EVENT_WINDOW}. The events come from one request for as long as the
     * watch lasts ({@link EventFeed}), which closing the subscription aborts. The first read only learns what is
     * there. A stream that ends or breaks off is opened again from the last event seen, after the tasks are read again.
     */
    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        String job = name(jobId);
        Thread t = new Thread(() -> {
            try {
                follow(job, listener);
            } finally {
                watchers.remove(Thread.currentThread());
            }
        }, "baton-swarm-events-" + job);
        t.setDaemon(true);
        watchers.add(t);
        t.start();
        return t::interrupt;
    }

    private void follow(String job, Consumer<Event> listener) {
        Map<String, String> known = null;
        JsonNode nodes = null;
        Instant consumed = null;
        Backoff backoff = new Backoff();
        String prefix = ServiceTranslator.serviceName(job, "");
        EventFeed feed = null;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    if (nodes == null) {
                        nodes = nodes();
                    }
                    Instant readAt = engine.now();
                    long tasksReadAt = System.nanoTime();
                    JsonNode tasks = tasks(job);
                    Map<String, String> now = new HashMap<>();
                    Map<String, JsonNode> byId = new HashMap<>();
                    nodes.forEach(n -> byId.put(n.path("ID").asText(), n));
                    boolean moving = false;
                    for (JsonNode t : tasks) {
                        String id = t.path("ID").asText();
                        String state = t.path("Status").path("State").asText();
                        now.put(id, state);
                        moving |= inFlux(t);
                        if (known != null && !state.equals(known.get(id))) {
                            listener.accept(taskEvent(job, t, byId.get(t.path("NodeID").asText())));
                        }
                    }
                    if (known == null || !now.equals(known)) {
                        backoff.reset();
                    }
                    known = now;
                    Duration window = moving ? backoff.next() : EVENT_WINDOW;
                    if (feed == null) {
                        // one request for as long as the watch lasts
                        feed = listen(readAt, consumed, true, "baton-swarm-watch-" + job);
                    }
                    ReadTime when = new ReadTime(System.nanoTime(), window, tasksReadAt);
                    while (true) {
                        EventFeed.Next next = next(feed, when);
                        if (next.ended()) {
                            feed.close();
                            feed = null;
                            // the stream broke off: the tasks and nodes are read again, then listened to from the last event
                            nodes = null;
                            break;
                        }
                        if (next.event() == null) {
                            break;
                        }
                        JsonNode e = next.event();
                        consumed = eventTime(e);
                        Wake w = watched(e, prefix);
                        if (w == Wake.SERVICE) {
                            // every service of the job, even one created after this started: names are <job>_<group>
                            JsonNode attrs = e.path("Actor").path("Attributes");
                            String detail = attrs.has("updatestate.new") ? " " + attrs.path("updatestate.new").asText() : "";
                            listener.accept(Event.instance(job, Event.Type.PLATFORM, attrs.path("name").asText().substring(prefix.length()), null,
                                    "service " + e.path("Action").asText() + detail));
                        }
                        if (w == Wake.NODE) {
                            nodes = null;
                        }
                        if (when.take(w, next.receivedNanos(), System.nanoTime())) {
                            break;
                        }
                    }
                } catch (OrchestratorException e) {
                    if (feed != null) {
                        feed.close();
                        feed = null;
                    }
                    TimeUnit.MILLISECONDS.sleep(500);
                }
            }
        } catch (InterruptedException e) {
            // the subscription was closed
        } finally {
            if (feed != null) {
                feed.close();
            }
        }
    }

    /**
     * Which read an event calls for in a watch of the job whose services' names start with {@code prefix}: any of its
     * services' events (and node events) the tasks', and its tasks' container events as in an await ({@link #relevant}).
     */
    private static Wake watched(JsonNode e, String prefix) {
        String type = e.path("Type").asText();
        JsonNode attrs = e.path("Actor").path("Attributes");
        if (type.equals("node")) {
            return Wake.NODE;
        }
        if (type.equals("service")) {
            return attrs.path("name").asText().startsWith(prefix) ? Wake.SERVICE : null;
        }
        String service = attrs.path("com.docker.swarm.service.name").asText();
        return type.equals("container") && service.startsWith(prefix) ? relevant(e, Set.of(service), Set.of()) : null;
    }

    /** The instance event for a task whose state changed. */
    private static Event taskEvent(String job, JsonNode task, JsonNode node) {
        String state = task.path("Status").path("State").asText();
        String host = node == null ? task.path("NodeID").asText("") : node.path("Description").path("Hostname").asText();
        String group = task.path("Spec").path("ContainerSpec").path("Labels").path(SpecVersion.GROUP_LABEL).asText(null);
        String err = task.path("Status").path("Err").asText("");
        Event.Type type = switch (state) {
            case "running" -> Event.Type.INSTANCE_STARTED;
            case "complete", "shutdown", "failed", "rejected", "orphaned", "remove" -> Event.Type.INSTANCE_EXITED;
            default -> Event.Type.PLATFORM;
        };
        return Event.instance(job, type, group, task.path("ID").asText(),
                "task " + state + (host.isBlank() ? "" : " on " + host) + (err.isBlank() ? "" : ": " + err));
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
        // watches not closed by their subscribers end with the orchestrator (and their events requests with them)
        watchers.forEach(Thread::interrupt);
        engine.close();
    }
}
