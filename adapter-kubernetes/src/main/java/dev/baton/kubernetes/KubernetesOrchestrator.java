package dev.baton.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.baton.AuthenticationException;
import dev.baton.Capabilities;
import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.HostMaintenanceFacet;
import dev.baton.InvalidSpecException;
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
import dev.baton.Subscription;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Unsupported;
import dev.baton.kubernetes.internal.Immutables;
import dev.baton.kubernetes.internal.Translator;
import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.plan.Change;
import dev.baton.plan.FieldChange;
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
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The orchestrator of {@code kubernetes://}: jobs as Deployments, Jobs, CronJobs and DaemonSets with their Services,
 * Secrets and PersistentVolumeClaims, through fabric8 kubernetes-client. Writes are create, or replace guarded by
 * the object's {@code resourceVersion}, so a concurrent writer is a {@link ConflictException}; an unchanged object
 * is not written at all.
 *
 * @since 0.1
 */
public final class KubernetesOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, dev.baton.LogsFacet {
    private static final String PLATFORM = Translator.PLATFORM;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build());
    private static final String REVISION = "deployment.kubernetes.io/revision";

    private final Supplier<KubernetesClient> clientFactory;
    private final String configuredNamespace;
    private final boolean ownsClient;
    private KubernetesClient client;

    KubernetesOrchestrator(Supplier<KubernetesClient> clientFactory, String namespace, boolean ownsClient) {
        this.clientFactory = clientFactory;
        this.configuredNamespace = namespace;
        this.ownsClient = ownsClient;
    }

    /**
     * An orchestrator on the {@link KubernetesClient} your application already has (its configuration, namespace,
     * interceptors and credentials), validated and capability-checked like one from {@code Orchestrators.connect}.
     * Baton uses the client as given and never closes it: closing the orchestrator leaves it open.
     *
     * @since 0.1
     */
    public static Orchestrator using(KubernetesClient client) {
        Objects.requireNonNull(client, "client");
        return new dev.baton.internal.GuardedOrchestrator(new KubernetesOrchestrator(() -> client, null, false), KubernetesProvider.CAPABILITIES);
    }

    /**
     * An orchestrator on a fabric8 {@link io.fabric8.kubernetes.client.Config} (for example
     * {@code Config.fromKubeconfig(k3s.getKubeConfigYaml())}); Baton creates the client from it and closes it on
     * {@link #close()}.
     *
     * @since 0.1
     */
    public static Orchestrator using(io.fabric8.kubernetes.client.Config config) {
        Objects.requireNonNull(config, "config");
        return new dev.baton.internal.GuardedOrchestrator(new KubernetesOrchestrator(
                () -> new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build(), null, true),
                KubernetesProvider.CAPABILITIES);
    }

    private synchronized KubernetesClient client() {
        if (client == null) {
            client = clientFactory.get();
        }
        return client;
    }

    /**
     * The namespace a job without one of its own goes to: Baton's configured namespace, else the client's — the
     * kubeconfig current context's namespace, or the service account's in a pod — else {@code default}, as kubectl does.
     */
    private String namespace(String specNamespace) {
        if (specNamespace != null) {
            return specNamespace;
        }
        if (configuredNamespace != null) {
            return configuredNamespace;
        }
        String ns = client().getNamespace();
        return ns == null ? "default" : ns;
    }

    /** Runs a call, turning fabric8's failures into Baton's. */
    private <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw translate(what, e);
        }
    }

    static OrchestratorException translate(String what, KubernetesClientException e) {
        int code = e.getCode();
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        if (code == 409) {
            var causes = e.getStatus() == null || e.getStatus().getDetails() == null ? null : e.getStatus().getDetails().getCauses();
            if (causes != null && !causes.isEmpty()) {
                // server-side apply: fields another field manager owns ("conflict with \"kubectl\" using apps/v1: .spec.replicas")
                String fields = causes.stream().map(c -> Objects.toString(c.getField(), "") + " (" + Objects.toString(c.getMessage(), c.getReason()) + ")")
                        .collect(java.util.stream.Collectors.joining(", "));
                return ConflictException.of(PLATFORM, what + ": fields owned by another field manager: " + fields
                        + "; deploy with --force (DeployOptions.withForce) to take them over", e);
            }
            return ConflictException.of(PLATFORM, what + ": " + message, e);
        }
        if (code == 401 || code == 403) {
            return AuthenticationException.of(PLATFORM, code, what + ": " + message);
        }
        if (code == 404) {
            return NotFoundException.of(PLATFORM, what + ": " + message);
        }
        if (code == 422 && e.getStatus() != null && e.getStatus().getDetails() != null
                && e.getStatus().getDetails().getCauses() != null && !e.getStatus().getDetails().getCauses().isEmpty()) {
            List<dev.baton.Violation> vs = e.getStatus().getDetails().getCauses().stream()
                    .map(c -> new dev.baton.Violation(Objects.toString(c.getField(), ""), Objects.toString(c.getMessage(), c.getReason())))
                    .toList();
            return InvalidSpecException.of(vs);
        }
        if (code == 0 || e.getCause() instanceof IOException) {
            return PlatformUnavailableException.of(PLATFORM, what + ": " + message, e);
        }
        return PlatformException.of(PLATFORM, code, what + ": " + message);
    }

    @Override
    public PlatformInfo platform() {
        var v = call("version", () -> client().getKubernetesVersion());
        return new PlatformInfo(PLATFORM, v == null ? null : v.getGitVersion(), client().getMasterUrl().toString());
    }

    @Override
    public Capabilities capabilities() {
        return KubernetesProvider.CAPABILITIES;
    }

    @Override
    public Manifest render(JobSpec spec) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode o : Translator.translate(spec, namespace(spec.namespace()))) {
            try {
                sb.append(YAML.writeValueAsString(o));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return new Manifest(PLATFORM, "application/yaml", sb.toString());
    }

    private static HasMetadata toFabric8(JsonNode node) {
        return Serialization.unmarshal(node.toString(), HasMetadata.class);
    }

    private static JsonNode toJson(HasMetadata o) {
        try {
            return JSON.readTree(Serialization.asJson(o));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HasMetadata live(JsonNode desired) {
        return call("read " + desired.path("kind").asText() + " " + desired.path("metadata").path("name").asText(),
                () -> client().resource(toFabric8(desired)).get());
    }

    /** The live object restricted to the fields Baton renders, so server defaults are not differences. */
    private static JsonNode restrict(JsonNode live, JsonNode desired) {
        if (live == null || !desired.isObject() || !live.isObject()) {
            return live;
        }
        ObjectNode out = JSON.createObjectNode();
        desired.fieldNames().forEachRemaining(f -> {
            if (live.has(f)) {
                out.set(f, restrict(live.get(f), desired.get(f)));
            }
        });
        return out;
    }

    private List<FieldChange> differences(JsonNode live, ObjectNode desired) {
        ObjectNode d = desired.deepCopy();
        JsonNode l = restrict(live, d);
        return JsonDiff.diff(l, d);
    }

    /**
     * What a deploy would do, found the way it would do it: each object is read, an object whose fields Baton sets are
     * as rendered is unchanged, and every other one is applied with {@code dryRun=All}; the server's answer is diffed
     * against the live object, restricted to the fields Baton sets (server defaults are not differences). A Job whose
     * immutable fields change is {@code REPLACE}d; a change the API server cannot make is listed as unsupported with
     * its path. Nothing is changed.
     */
    @Override
    public Plan plan(JobSpec spec) {
        String ns = namespace(spec.namespace());
        List<Change> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Unsupported> refused = new ArrayList<>();
        List<ObjectNode> desired = Translator.translate(spec, ns);
        for (Write w : prepare(spec, desired, refused)) {
            String kind = w.kind();
            String name = w.name();
            if (w.live() == null) {
                apply(w.desired(), false, true);
                changes.add(new Change(Change.Action.CREATE, kind, name, List.of()));
            } else if (w.diff().isEmpty()) {
                changes.add(new Change(Change.Action.NONE, kind, name, List.of()));
            } else if (w.recreate()) {
                changes.add(new Change(Change.Action.REPLACE, kind, name, w.diff()));
            } else if (w.refused()) {
                // listed as unsupported; the server would refuse a dry run of it too
                changes.add(new Change(Change.Action.UPDATE, kind, name, w.diff()));
            } else {
                List<FieldChange> diff = w.diff();
                try {
                    HasMetadata answer = apply(w.desired(), false, true);
                    diff = JsonDiff.diff(restrict(toJson(w.live()), w.desired()), restrict(toJson(answer), w.desired()));
                } catch (ConflictException e) {
                    warnings.add(e.getMessage());
                }
                changes.add(new Change(diff.isEmpty() ? Change.Action.NONE : Change.Action.UPDATE, kind, name, diff));
            }
        }
        for (HasMetadata stale : stale(spec, ns, desired)) {
            changes.add(new Change(Change.Action.DESTROY, stale.getKind(), stale.getMetadata().getName(), List.of()));
        }
        return new Plan(PLATFORM, spec.name(), changes, refused, warnings);
    }

    /** The field manager Baton applies as: it owns the fields it sets, and only those. */
    static final String FIELD_MANAGER = "baton";

    /** One object of a write: as rendered, as it lives ({@code null}: absent), the fields Baton sets that differ. */
    private record Write(ObjectNode desired, HasMetadata live, List<FieldChange> diff, boolean recreate, boolean refused) {
        String kind() {
            return desired.path("kind").asText();
        }

        String name() {
            return desired.path("metadata").path("name").asText();
        }

        boolean needed() {
            return live == null || !diff.isEmpty();
        }
    }

    /**
     * Reads every rendered object and works out what a write needs: nothing where the fields Baton sets are as
     * rendered, an apply otherwise, a delete and create for a Job whose immutable fields change. A change the API
     * server cannot make (an immutable claim or selector field) goes to {@code refused}, so that it is refused before
     * anything is sent. A Deployment whose {@code replicas} another field manager owns (an autoscaler) is applied
     * without them.
     */
    private List<Write> prepare(JobSpec spec, List<ObjectNode> desired, List<Unsupported> refused) {
        List<Write> out = new ArrayList<>();
        for (ObjectNode d : desired) {
            HasMetadata live = live(d);
            if (live == null) {
                out.add(new Write(d, null, List.of(), false, false));
                continue;
            }
            JsonNode liveJson = toJson(live);
            if ("Deployment".equals(d.path("kind").asText()) && replicasOwnedByAnother(liveJson)) {
                ((ObjectNode) d.path("spec")).remove("replicas");
            }
            List<FieldChange> diff = differences(liveJson, d);
            List<Immutables.Hit> hits = Immutables.hits(d.path("kind").asText(), diff);
            List<Immutables.Hit> refusals = hits.stream().filter(h -> h.remedy() == Immutables.Remedy.REFUSE).toList();
            refusals.forEach(h -> refused.add(immutable(spec, d, h)));
            out.add(new Write(d, live, diff, hits.stream().anyMatch(h -> h.remedy() == Immutables.Remedy.RECREATE), !refusals.isEmpty()));
        }
        return out;
    }

    /** Whether a field manager other than Baton owns a workload's {@code spec.replicas} (an autoscaler, {@code kubectl scale}). */
    static boolean replicasOwnedByAnother(JsonNode live) {
        for (JsonNode entry : live.path("metadata").path("managedFields")) {
            if (!FIELD_MANAGER.equals(entry.path("manager").asText()) || !entry.path("subresource").asText("").isEmpty()) {
                if (entry.path("fieldsV1").path("f:spec").has("f:replicas")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An immutable-field change as a refusal, with the spec field that causes it where there is one. */
    private static Unsupported immutable(JobSpec spec, ObjectNode d, Immutables.Hit h) {
        String kind = d.path("kind").asText();
        String name = d.path("metadata").path("name").asText();
        String path = "extensions.kubernetes";
        String reason = "the API server does not let " + kind + " " + name + " change " + h.field() + " after it is created";
        if (kind.equals("PersistentVolumeClaim")) {
            for (int i = 0; i < spec.volumes().size(); i++) {
                if ((spec.name() + "-" + spec.volumes().get(i).name()).equals(name)) {
                    path = "volumes[" + i + "]" + (h.field().startsWith("spec.accessModes") ? ".access"
                            : h.field().startsWith("spec.resources") ? ".size" : "");
                }
            }
            reason = "a PersistentVolumeClaim's spec cannot change once it exists, except to grow its storage request ("
                    + h.field() + " would); give the volume a new name, or undeploy the job to start again with an empty one";
        }
        return new Unsupported(path, "changing " + kind + " " + h.field(), PLATFORM, reason, false);
    }

    /**
     * Server-side apply of one rendered object as {@link #FIELD_MANAGER}: the server merges it into the live object
     * (or creates it), Baton owns the fields it sends, and a field another manager owns is a conflict unless
     * {@code force} takes it over.
     */
    private HasMetadata apply(ObjectNode d, boolean force, boolean dryRun) {
        PatchContext context = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER)
                .withForce(force ? Boolean.TRUE : null).withDryRun(dryRun ? List.of("All") : null).build();
        String what = (dryRun ? "dry-run apply " : "apply ") + d.path("kind").asText() + " " + d.path("metadata").path("name").asText();
        return call(what, () -> client().resource(toFabric8(d)).patch(context));
    }

    /**
     * Writes what {@link #prepare} found: an apply per changed object, and for a Job whose immutable fields change a
     * delete (propagation Background, the Job's pods go with it) and an apply that creates it again, as
     * {@code kubectl replace --force} does. Returns whether anything was sent.
     */
    private boolean send(List<Write> writes, boolean force) {
        boolean changed = false;
        for (Write w : writes) {
            if (!w.needed()) {
                continue;
            }
            if (w.recreate()) {
                call("delete " + w.kind() + " " + w.name(), () -> client().resource(w.live())
                        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete());
                applyOnceGone(w.desired(), force);
            } else {
                apply(w.desired(), force, false);
            }
            changed = true;
        }
        return changed;
    }

    /** Applies an object whose predecessor was just deleted; while that one is still terminating the name is taken. */
    private void applyOnceGone(ObjectNode d, boolean force) {
        Instant until = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try {
                apply(d, force, false);
                return;
            } catch (ConflictException e) {
                if (Instant.now().isAfter(until)) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Brings the cluster to {@code spec}: refusals first, then the writes, then the objects it no longer renders go. */
    private boolean write(JobSpec spec, String ns, boolean force) {
        List<ObjectNode> desired = Translator.translate(spec, ns);
        List<Unsupported> refused = new ArrayList<>();
        List<Write> writes = prepare(spec, desired, refused);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        boolean changed = send(writes, force);
        for (HasMetadata stale : stale(spec, ns, desired)) {
            call("delete " + stale.getKind() + " " + stale.getMetadata().getName(), () -> client().resource(stale).delete());
            changed = true;
        }
        return changed;
    }

    /** Objects labelled with the job that the new spec no longer renders. */
    private List<HasMetadata> stale(JobSpec spec, String ns, List<ObjectNode> desired) {
        List<String> keep = desired.stream().map(d -> d.path("kind").asText() + "/" + d.path("metadata").path("name").asText()).toList();
        List<HasMetadata> out = new ArrayList<>();
        owned(ns, spec.name()).stream().filter(o -> !keep.contains(o.getKind() + "/" + o.getMetadata().getName())).forEach(out::add);
        return out;
    }

    private List<HasMetadata> owned(String ns, String job) {
        List<HasMetadata> out = new ArrayList<>();
        call("list objects of " + job, () -> {
            var c = client();
            out.addAll(c.apps().deployments().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            out.addAll(c.apps().daemonSets().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            out.addAll(c.batch().v1().jobs().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            out.addAll(c.batch().v1().cronjobs().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            out.addAll(c.services().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            out.addAll(c.persistentVolumeClaims().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
            return null;
        });
        return out;
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        String ns = namespace(spec.namespace());
        return track(ns, spec, write(spec, ns, options.force()), true);
    }

    private Deployment track(String ns, JobSpec spec, boolean changed, boolean mayRevert) {
        String version = SpecVersion.of(spec);
        Duration deadlineLimit = spec.update() != null && spec.update().healthyDeadline() != null ? spec.update().healthyDeadline() : null;
        Instant started = Instant.now();
        return DeploymentTracker.started(PLATFORM, spec.name(), version, changed, (tracker, deadline) -> {
            Object signal = new Object();
            // counts the watch events, so that one arriving between reading the state and waiting is not lost
            long[] events = {0};
            Watch[] watch = {null};
            Runnable rewatch = new Runnable() {
                @Override
                public void run() {
                    watch[0] = client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, spec.name()).watch(new Watcher<Pod>() {
                        @Override
                        public void eventReceived(Action action, Pod pod) {
                            synchronized (signal) {
                                events[0]++;
                                signal.notifyAll();
                            }
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                            // the watch dropped: re-list (the loop reads status afresh) and watch again
                            synchronized (signal) {
                                events[0]++;
                                signal.notifyAll();
                            }
                            if (!tracker.isDone()) {
                                run();
                            }
                        }
                    });
                }
            };
            rewatch.run();
            // a Service answers once the EndpointSlice controller has listed the ready pods: wait for that too
            List<String> services = spec.type() == JobType.SERVICE
                    ? spec.groups().stream().flatMap(g -> g.services().stream()).map(dev.baton.model.ServiceSpec::name).toList() : List.of();
            // one watch per Service, by equality selector (which every API server, and the mock, supports)
            List<Watch> others = new ArrayList<>();
            if (spec.type() == JobType.SERVICE) {
                // the Deployment controller's verdict (Progressing: ProgressDeadlineExceeded) arrives in the Deployments' status
                others.add(client().apps().deployments().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, spec.name())
                        .watch(new Watcher<io.fabric8.kubernetes.api.model.apps.Deployment>() {
                            @Override
                            public void eventReceived(Action action, io.fabric8.kubernetes.api.model.apps.Deployment d) {
                                synchronized (signal) {
                                    events[0]++;
                                    signal.notifyAll();
                                }
                            }

                            @Override
                            public void onClose(WatcherException cause) {
                                // the pod watch and the loop's bounded wait still re-read the state
                            }
                        }));
            }
            for (String service : services) {
                others.add(client().discovery().v1().endpointSlices().inNamespace(ns).withLabel("kubernetes.io/service-name", service)
                        .watch(new Watcher<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice>() {
                            @Override
                            public void eventReceived(Action action, io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice) {
                                synchronized (signal) {
                                    events[0]++;
                                    signal.notifyAll();
                                }
                            }

                            @Override
                            public void onClose(WatcherException cause) {
                                // the pod watch and the loop's bounded wait still re-read the state
                            }
                        }));
            }
            try {
                while (!tracker.isDone()) {
                    long seen;
                    synchronized (signal) {
                        seen = events[0];
                    }
                    Reading reading = read(ns, spec.name());
                    JobStatus status = reading.status();
                    if (DeploymentTracker.settled(status.groups(), spec.type(), version) && endpointsListed(ns, spec)) {
                        if (spec.type() == JobType.BATCH || spec.type() == JobType.CRON) {
                            tracker.complete(spec.type() == JobType.BATCH ? Outcome.COMPLETED : Outcome.HEALTHY, status, "healthy");
                            return;
                        }
                        // healthy once no group runs more pods than it wants: a scale-down is done when the extra pods are gone
                        if (tracker.completeIfHealthy(status, false)) {
                            return;
                        }
                    }
                    tracker.progress(status);
                    Instant now = Instant.now();
                    boolean overdue = deadlineLimit != null && now.isAfter(started.plus(deadlineLimit));
                    if (reading.failure() != null || overdue) {
                        OnFailure onFailure = spec.update() == null ? null : spec.update().onFailure();
                        String why = reading.failure() != null ? reading.failure()
                                : "not healthy within " + dev.baton.model.Durations.format(deadlineLimit) + reading.detail();
                        if (onFailure == OnFailure.ROLLBACK && mayRevert && spec.type() == JobType.SERVICE) {
                            JobSpec previous = previousSpec(ns, spec);
                            if (previous != null) {
                                tracker.event(Event.of(spec.name(), Event.Type.DEPLOYMENT_FAILED, why + "; rolling back"));
                                write(previous, ns, false);
                                var back = track(ns, previous, true, false).await(Duration.between(Instant.now(), deadline));
                                tracker.complete(back.isSuccess() ? Outcome.ROLLED_BACK : Outcome.FAILED, back.status(),
                                        back.isSuccess() ? "rolled back to version " + SpecVersion.of(previous) + " after: " + why
                                                : "rollback failed: " + back.message());
                                return;
                            }
                        }
                        tracker.complete(Outcome.FAILED, status, why);
                        return;
                    }
                    if (!now.isBefore(deadline)) {
                        return;
                    }
                    Instant wake = deadlineLimit == null ? deadline : min(deadline, started.plus(deadlineLimit));
                    synchronized (signal) {
                        if (events[0] == seen) {
                            signal.wait(Math.max(1, Math.min(Duration.between(now, wake).toMillis(), 30_000)));
                        }
                    }
                }
            } finally {
                if (watch[0] != null) {
                    watch[0].close();
                }
                others.forEach(Watch::close);
            }
        });
    }

    /** Whether every Service of the job lists at least its group's desired number of ready endpoints. */
    private boolean endpointsListed(String ns, JobSpec spec) {
        if (spec.type() != JobType.SERVICE) {
            return true;
        }
        for (GroupSpec g : spec.groups()) {
            for (var svc : g.services()) {
                if (endpoints(ns, svc.name()).size() < g.countOrDefault()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private JobSpec workloadSpec(String ns, String job) {
        List<HasMetadata> workloads = owned(ns, job).stream().filter(o -> !o.getKind().equals("Service")
                && !o.getKind().equals("PersistentVolumeClaim")).toList();
        if (workloads.isEmpty()) {
            throw NotFoundException.job(PLATFORM, job);
        }
        JobSpec spec = Translator.specOf(toJson(workloads.get(0)));
        if (spec == null) {
            throw NotFoundException.of(PLATFORM, "job " + job + " was not deployed by Baton (no " + Translator.SPEC_ANNOTATION + " annotation)");
        }
        return spec;
    }

    @Override
    public JobStatus status(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        return statusOf(namespace(ref.namespace()), ref.name());
    }

    private JobStatus statusOf(String ns, String job) {
        return read(ns, job).status();
    }

    /**
     * A job's status; {@code failure}: the Deployment controller gave up on the rollout of the job's version (null if
     * not); {@code detail}: why its pods are not ready, as the kubelet says (empty if it says nothing).
     */
    private record Reading(JobStatus status, String failure, String detail) {
    }

    private Reading read(String ns, String job) {
        JobSpec spec = workloadSpec(ns, job);
        String version = SpecVersion.of(spec);
        List<Pod> pods = call("list pods of " + job, () -> client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list().getItems());
        List<GroupStatus> groups = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (GroupSpec g : spec.groups()) {
            List<Pod> groupPods = pods.stream().filter(p -> g.name().equals(p.getMetadata().getLabels().get(SpecVersion.GROUP_LABEL))).toList();
            int desired;
            if (spec.type() == JobType.SERVICE) {
                var d = call("read deployment", () -> client().apps().deployments().inNamespace(ns).withName(Translator.workloadName(spec, g)).get());
                desired = d == null || d.getSpec().getReplicas() == null ? g.countOrDefault() : d.getSpec().getReplicas();
                String verdict = d == null ? null : progressDeadlineExceeded(d, groupPods, version);
                if (verdict != null) {
                    failures.add(verdict);
                }
            } else {
                desired = desired(ns, spec, g);
            }
            groups.add(new GroupStatus(g.name(), desired, groupPods.stream().map(p -> instance(p, g)).toList()));
        }
        boolean healthy = DeploymentTracker.settled(groups, spec.type(), version);
        JobState state = spec.type() == JobType.BATCH ? (healthy ? JobState.COMPLETED : JobState.RUNNING)
                : healthy ? JobState.RUNNING : !failures.isEmpty() ? JobState.FAILED : JobState.DEPLOYING;
        String detail = notReady(pods.stream().filter(p -> version.equals(p.getMetadata().getLabels().get(SpecVersion.LABEL))).toList());
        JobStatus status = new JobStatus(job, ns, PLATFORM, state, healthy ? Health.HEALTHY : Health.UNHEALTHY, version, groups, null);
        return new Reading(status, healthy || failures.isEmpty() ? null : String.join("; ", failures) + detail, detail);
    }

    private static final String POD_TEMPLATE_HASH = "pod-template-hash";

    /**
     * The Deployment controller's verdict on the rollout of {@code version}, as {@code kubectl rollout status} reads it: for
     * the generation it has observed, {@code Progressing} is {@code False} with reason {@code ProgressDeadlineExceeded}
     * (upstream {@code pkg/controller/deployment/progress.go}). The condition names the ReplicaSet that timed out
     * ({@code ReplicaSet "<deployment>-<pod-template-hash>" has timed out progressing.}), and it stays after a rollback to an
     * older ReplicaSet until that one is available again; so it counts only when it names the ReplicaSet of
     * {@code version}'s pods. Null when the controller has not given up on that rollout.
     */
    static String progressDeadlineExceeded(io.fabric8.kubernetes.api.model.apps.Deployment d, List<Pod> pods, String version) {
        var st = d.getStatus();
        if (st == null || st.getConditions() == null) {
            return null;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (st.getObservedGeneration() == null || st.getObservedGeneration() < generation)) {
            return null;
        }
        var progressing = st.getConditions().stream().filter(c -> "Progressing".equals(c.getType())).findFirst().orElse(null);
        if (progressing == null || !"False".equals(progressing.getStatus()) || !"ProgressDeadlineExceeded".equals(progressing.getReason())
                || progressing.getMessage() == null) {
            return null;
        }
        String name = d.getMetadata().getName();
        boolean ofVersion = pods.stream().filter(p -> version.equals(p.getMetadata().getLabels().get(SpecVersion.LABEL)))
                .map(p -> p.getMetadata().getLabels().get(POD_TEMPLATE_HASH)).filter(Objects::nonNull).distinct()
                .anyMatch(hash -> progressing.getMessage().contains("\"" + name + "-" + hash + "\""));
        return ofVersion ? "Deployment " + name + ": " + progressing.getMessage() + " (ProgressDeadlineExceeded)" : null;
    }

    /**
     * Why the first pod of these that is not ready is not, from its containers' states: a waiting reason such as
     * {@code CrashLoopBackOff} with the last exit code and the restart count. Empty when no container says.
     */
    static String notReady(List<Pod> pods) {
        for (Pod p : pods) {
            if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (var cs : p.getStatus().getContainerStatuses()) {
                var waiting = cs.getState() == null ? null : cs.getState().getWaiting();
                var terminated = cs.getState() != null && cs.getState().getTerminated() != null ? cs.getState().getTerminated()
                        : cs.getLastState() == null ? null : cs.getLastState().getTerminated();
                if (Boolean.TRUE.equals(cs.getReady()) || (waiting == null && terminated == null)) {
                    continue;
                }
                StringBuilder sb = new StringBuilder(" (pod ").append(p.getMetadata().getName()).append(", container ").append(cs.getName())
                        .append(": ");
                if (waiting != null && waiting.getReason() != null) {
                    sb.append(waiting.getReason()).append(", ");
                }
                if (terminated != null && terminated.getExitCode() != null) {
                    sb.append("exit code ").append(terminated.getExitCode()).append(", ");
                }
                int restarts = cs.getRestartCount() == null ? 0 : cs.getRestartCount();
                return sb.append(restarts).append(restarts == 1 ? " restart)" : " restarts)").toString();
            }
        }
        return "";
    }

    private int desired(String ns, JobSpec spec, GroupSpec g) {
        if (spec.type() == JobType.SYSTEM) {
            var d = call("read daemon set", () -> client().apps().daemonSets().inNamespace(ns).withName(Translator.workloadName(spec, g)).get());
            return d == null || d.getStatus() == null || d.getStatus().getDesiredNumberScheduled() == null ? 1
                    : d.getStatus().getDesiredNumberScheduled();
        }
        return g.countOrDefault();
    }

    private static InstanceStatus instance(Pod p, GroupSpec g) {
        var st = p.getStatus();
        String phase = st == null ? null : st.getPhase();
        InstanceState state = phase == null ? InstanceState.PENDING : switch (phase) {
            case "Running" -> InstanceState.RUNNING;
            case "Succeeded" -> InstanceState.COMPLETED;
            case "Failed" -> InstanceState.FAILED;
            case "Pending" -> InstanceState.PENDING;
            default -> InstanceState.UNKNOWN;
        };
        if (p.getMetadata().getDeletionTimestamp() != null) {
            state = InstanceState.STOPPED;
        }
        boolean ready = st != null && st.getConditions() != null && st.getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        Health health = state != InstanceState.RUNNING ? Health.UNKNOWN : ready ? Health.HEALTHY : Health.UNHEALTHY;
        int restarts = 0;
        Integer exit = null;
        String reason = null;
        if (st != null && st.getContainerStatuses() != null) {
            for (var cs : st.getContainerStatuses()) {
                restarts += cs.getRestartCount() == null ? 0 : cs.getRestartCount();
                var term = cs.getState() != null && cs.getState().getTerminated() != null ? cs.getState().getTerminated()
                        : cs.getLastState() != null ? cs.getLastState().getTerminated() : null;
                if (term != null) {
                    exit = term.getExitCode();
                    reason = term.getReason();
                }
            }
        }
        Map<String, Integer> ports = new LinkedHashMap<>(Translator.ports(g));
        Instant startedAt = st == null || st.getStartTime() == null ? null : Instant.parse(st.getStartTime());
        return new InstanceStatus(p.getMetadata().getName(), g.name(), state, health, p.getSpec() == null ? null : p.getSpec().getNodeName(),
                st == null ? null : st.getPodIP(), ports, startedAt, exit, reason, p.getMetadata().getLabels().get(SpecVersion.LABEL), restarts);
    }

    @Override
    public List<JobSummary> list(Selector selector) {
        String ns = namespace(selector.namespace());
        var deployments = call("list workloads", () -> {
            List<HasMetadata> all = new ArrayList<>();
            var c = client();
            all.addAll(c.apps().deployments().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL).list().getItems());
            all.addAll(c.apps().daemonSets().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL).list().getItems());
            all.addAll(c.batch().v1().jobs().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL).list().getItems());
            all.addAll(c.batch().v1().cronjobs().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL).list().getItems());
            return all;
        });
        Map<String, JobSummary> out = new LinkedHashMap<>();
        for (HasMetadata d : deployments) {
            JobSpec spec = Translator.specOf(toJson(d));
            if (spec == null || !selector.matches(spec.labels()) || out.containsKey(spec.name())) {
                continue;
            }
            out.put(spec.name(), new JobSummary(spec.name(), ns, spec.type().id(), spec.labels(), statusOf(ns, spec.name()).state()));
        }
        return List.copyOf(out.values());
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        JobSpec spec = workloadSpec(ns, ref.name());
        GroupSpec g = spec.group(group).orElseThrow(() -> NotFoundException.of(PLATFORM, "group", group, "job " + ref.name()
                + " has groups " + spec.groups().stream().map(GroupSpec::name).toList()));
        if (spec.type() != JobType.SERVICE) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "scaling a " + spec.type().id() + " job",
                    "only Deployments (service jobs) have a replica count");
        }
        // the workload applied again with the new count, as Baton's own field manager: Baton keeps owning replicas (a
        // write to the Scale subresource would make another manager own them, and the next deploy conflict), and an
        // autoscaler that owns them makes this a conflict naming it. The await follows the pods by watch.
        JobSpec scaled = spec.withCount(group, count);
        String name = Translator.workloadName(spec, g);
        ObjectNode workload = Translator.translate(scaled, ns).stream()
                .filter(o -> o.path("kind").asText().equals("Deployment") && o.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow();
        apply(workload, false, false);
        return track(ns, scaled, true, false);
    }

    @Override
    public Deployment rollback(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        JobSpec spec = workloadSpec(ns, ref.name());
        if (spec.type() != JobType.SERVICE) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "rollback of a " + spec.type().id() + " job",
                    "only Deployments keep ReplicaSet revisions to return to");
        }
        JobSpec previous = previousSpec(ns, spec);
        if (previous == null) {
            throw ConflictException.of(PLATFORM, "job " + ref.name() + " has no previous revision to roll back to");
        }
        write(previous, ns, false);
        return track(ns, previous, true, false);
    }

    /**
     * The spec of the previous ReplicaSet revision of the job's first group (kept in its {@code baton.dev/spec}
     * annotation), with the counts the job has now: rollback changes what runs, not how many, like
     * {@code kubectl rollout undo}. Applying it puts that revision's pod template back, as Baton's own field manager.
     */
    private JobSpec previousSpec(String ns, JobSpec spec) {
        Optional<ReplicaSet> prev = previousReplicaSet(ns, spec, spec.groups().get(0));
        JobSpec previous = prev.map(rs -> Translator.specOf(toJson(rs))).orElse(null);
        if (previous == null) {
            return null;
        }
        for (GroupSpec g : spec.groups()) {
            if (previous.group(g.name()).isPresent()) {
                previous = previous.withCount(g.name(), g.countOrDefault());
            }
        }
        return previous;
    }

    private Optional<ReplicaSet> previousReplicaSet(String ns, JobSpec spec, GroupSpec g) {
        String version = SpecVersion.of(spec);
        List<ReplicaSet> sets = call("list replica sets", () -> client().apps().replicaSets().inNamespace(ns)
                .withLabel(SpecVersion.JOB_LABEL, spec.name()).withLabel(SpecVersion.GROUP_LABEL, g.name()).list().getItems());
        return sets.stream()
                .filter(rs -> !version.equals(rs.getSpec().getTemplate().getMetadata().getLabels().get(SpecVersion.LABEL)))
                .max(Comparator.comparingLong(rs -> Long.parseLong(rs.getMetadata().getAnnotations().getOrDefault(REVISION, "0"))));
    }

    @Override
    public void undeploy(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        List<HasMetadata> objects = owned(ns, ref.name());
        if (objects.isEmpty()) {
            throw NotFoundException.job(PLATFORM, ref.name());
        }
        for (HasMetadata o : objects) {
            call("delete " + o.getKind() + " " + o.getMetadata().getName(), () -> client().resource(o).delete());
        }
        call("delete pods of " + ref.name(), () -> {
            client().apps().replicaSets().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, ref.name()).delete();
            return client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, ref.name()).delete();
        });
    }

    @Override
    public List<Host> hosts() {
        List<Node> nodes = call("list nodes", () -> client().nodes().list().getItems());
        List<Host> out = new ArrayList<>();
        for (Node n : nodes) {
            var st = n.getStatus();
            boolean ready = st != null && st.getConditions() != null && st.getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
            String address = st == null || st.getAddresses() == null ? null : st.getAddresses().stream()
                    .filter(a -> "InternalIP".equals(a.getType())).map(a -> a.getAddress()).findFirst().orElse(null);
            boolean cordoned = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
            var cap = st == null ? null : st.getCapacity();
            var alloc = st == null ? null : st.getAllocatable();
            out.add(new Host(n.getMetadata().getName(), n.getMetadata().getName(), address,
                    ready ? Host.HostState.READY : Host.HostState.DOWN, cordoned ? Host.Availability.PAUSED : Host.Availability.ACTIVE,
                    n.getMetadata().getLabels(),
                    cap == null || cap.get("cpu") == null ? null : Cpu.parse(cap.get("cpu").toString()),
                    cap == null || cap.get("memory") == null ? null : ByteSize.parse(cap.get("memory").toString()),
                    alloc == null || alloc.get("cpu") == null || cap.get("cpu") == null ? null
                            : Cpu.ofMillicores(Cpu.parse(cap.get("cpu").toString()).millicores() - Cpu.parse(alloc.get("cpu").toString()).millicores()),
                    null));
        }
        return out;
    }

    /** Ready endpoints of the Service's EndpointSlices (label {@code kubernetes.io/service-name}), with the Service port's target port. */
    @Override
    public List<Endpoint> endpoints(String serviceName) {
        return endpoints(namespace(null), serviceName);
    }

    private List<Endpoint> endpoints(String ns, String serviceName) {
        var svc = call("read service " + serviceName, () -> client().services().inNamespace(ns).withName(serviceName).get());
        if (svc == null || svc.getSpec() == null || svc.getSpec().getPorts() == null || svc.getSpec().getPorts().isEmpty()) {
            return List.of();
        }
        String portName = svc.getSpec().getPorts().get(0).getName();
        var slices = call("list endpoint slices of " + serviceName, () -> client().discovery().v1().endpointSlices().inNamespace(ns)
                .withLabel("kubernetes.io/service-name", serviceName).list().getItems());
        List<Endpoint> out = new ArrayList<>();
        for (var slice : slices) {
            Integer port = slice.getPorts() == null ? null : slice.getPorts().stream()
                    .filter(p -> portName == null || portName.equals(p.getName())).map(p -> p.getPort()).findFirst().orElse(null);
            if (port == null || slice.getEndpoints() == null) {
                continue;
            }
            for (var e : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
                if (ready && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
                    String instance = e.getTargetRef() == null ? e.getAddresses().get(0) : e.getTargetRef().getName();
                    out.add(new Endpoint(serviceName, instance, e.getAddresses().get(0), port));
                }
            }
        }
        return out;
    }

    /** The last lines of every container of every pod of the job. */
    @Override
    public List<LogLine> logs(String jobId, int tailLines) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        List<Pod> pods = call("list pods of " + ref.name(), () -> client().pods().inNamespace(ns)
                .withLabel(SpecVersion.JOB_LABEL, ref.name()).list().getItems());
        List<LogLine> out = new ArrayList<>();
        for (Pod p : pods) {
            for (var c : p.getSpec().getContainers()) {
                String text = call("read the log of " + p.getMetadata().getName(), () -> client().pods().inNamespace(ns)
                        .withName(p.getMetadata().getName()).inContainer(c.getName()).tailingLines(tailLines).getLog());
                if (text != null) {
                    text.lines().forEach(l -> out.add(new LogLine(p.getMetadata().getName() + "." + c.getName(), "output", l)));
                }
            }
        }
        return out;
    }

    @Override
    public Subscription watch(String jobId, Consumer<Event> listener) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        PodWatch w = new PodWatch(ns, ref.name(), listener);
        call("watch " + ref.name(), () -> {
            w.start(null);
            return null;
        });
        return w::close;
    }

    /**
     * A job's pod events for {@link #watch}. When the API server ends the watch (a 410 Gone after its history was
     * compacted, a dropped connection), the pods are listed again, each reported as it is now, and the watch resumes
     * from the list's resourceVersion, so nothing that happened in between is lost for good.
     */
    private final class PodWatch {
        private final String ns;
        private final String job;
        private final Consumer<Event> listener;
        private volatile boolean closed;
        private volatile Watch current;

        PodWatch(String ns, String job, Consumer<Event> listener) {
            this.ns = ns;
            this.job = job;
            this.listener = listener;
        }

        private void report(String verb, Pod pod) {
            listener.accept(Event.instance(job, Event.Type.PLATFORM, pod.getMetadata().getLabels().get(SpecVersion.GROUP_LABEL),
                    pod.getMetadata().getName(), "pod " + verb + (pod.getStatus() == null ? "" : ", phase " + pod.getStatus().getPhase())));
        }

        synchronized void start(String resourceVersion) {
            if (closed) {
                return;
            }
            var pods = client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job);
            var options = new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withResourceVersion(resourceVersion).build();
            current = pods.watch(options, new Watcher<Pod>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    report(action.name().toLowerCase(), pod);
                }

                @Override
                public void onClose(WatcherException cause) {
                    if (closed) {
                        return;
                    }
                    listener.accept(Event.of(job, Event.Type.PLATFORM, "watch closed (" + cause.getMessage() + "); listing the pods again"));
                    resync();
                }
            });
        }

        private void resync() {
            try {
                var list = client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list();
                list.getItems().forEach(p -> report("listed", p));
                start(list.getMetadata().getResourceVersion());
            } catch (KubernetesClientException e) {
                listener.accept(Event.of(job, Event.Type.PLATFORM, "cannot resume the watch: " + e.getMessage()));
            }
        }

        synchronized void close() {
            closed = true;
            if (current != null) {
                current.close();
            }
        }
    }

    @Override
    public <F> Optional<F> facet(Class<F> type) {
        return type == SecretsFacet.class || type == HostMaintenanceFacet.class || type == dev.baton.LogsFacet.class
                ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public void put(String name, SecretData data) {
        SecretRules.check(name, data);
        String ns = namespace(null);
        Map<String, String> encoded = new LinkedHashMap<>();
        data.keys().forEach(k -> encoded.put(k, Base64.getEncoder().encodeToString(data.bytes(k))));
        Secret secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .addToLabels("baton.dev/secret", "true").endMetadata().withType("Opaque").withData(encoded).build();
        Secret live = call("read secret " + name, () -> client().secrets().inNamespace(ns).withName(name).get());
        if (live == null) {
            call("create secret " + name, () -> client().secrets().inNamespace(ns).resource(secret).create());
        } else {
            secret.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
            call("replace secret " + name, () -> client().secrets().inNamespace(ns).resource(secret).update());
        }
    }

    @Override
    public List<SecretInfo> list() {
        String ns = namespace(null);
        return call("list secrets", () -> client().secrets().inNamespace(ns).withLabel("baton.dev/secret").list().getItems()).stream()
                .map(s -> new SecretInfo(s.getMetadata().getName(), s.getData() == null ? java.util.Set.of() : s.getData().keySet(),
                        s.getMetadata().getResourceVersion()))
                .toList();
    }

    @Override
    public void delete(String name) {
        SecretRules.checkName(name);
        String ns = namespace(null);
        var deleted = call("delete secret " + name, () -> client().secrets().inNamespace(ns).withName(name).delete());
        if (deleted == null || deleted.isEmpty()) {
            throw NotFoundException.of(PLATFORM, "secret", name, null);
        }
    }

    /** Cordons the node and evicts its pods through the Eviction API (which respects PodDisruptionBudgets), skipping DaemonSet pods. */
    @Override
    public void drain(String hostId, Duration deadline, boolean ignoreSystemJobs) {
        call("cordon " + hostId, () -> client().nodes().withName(hostId).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        }));
        // filtered here rather than with a spec.nodeName field selector, which not every API server double supports
        List<Pod> pods = call("list pods on " + hostId, () -> client().pods().inAnyNamespace().list().getItems()).stream()
                .filter(p -> p.getSpec() != null && hostId.equals(p.getSpec().getNodeName())).toList();
        for (Pod p : pods) {
            boolean daemon = p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> "DaemonSet".equals(o.getKind()));
            if (daemon) {
                continue;
            }
            // an eviction a PodDisruptionBudget blocks is answered 429 (false here): try again until the deadline
            Instant until = Instant.now().plus(deadline == null ? Duration.ofHours(1) : deadline);
            while (!call("evict " + p.getMetadata().getName(), () -> client().pods().inNamespace(p.getMetadata().getNamespace())
                    .withName(p.getMetadata().getName()).evict())) {
                if (Instant.now().isAfter(until)) {
                    throw ConflictException.of(PLATFORM, "pod " + p.getMetadata().getName() + " could not be evicted before the drain deadline"
                            + " (a PodDisruptionBudget does not allow it)");
                }
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void activate(String hostId) {
        call("uncordon " + hostId, () -> client().nodes().withName(hostId).edit(n -> {
            n.getSpec().setUnschedulable(false);
            return n;
        }));
    }

    @Override
    public synchronized void close() {
        if (client != null && ownsClient) {
            client.close();
        }
    }
}
