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
import dev.baton.kubernetes.internal.Connection;
import dev.baton.kubernetes.internal.Immutables;
import dev.baton.kubernetes.internal.Readings;
import dev.baton.kubernetes.internal.Translator;
import dev.baton.kubernetes.internal.Fabric8Trees;
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
import dev.baton.spi.SpecRefusals;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Endpoint;
import dev.baton.status.Event;
import dev.baton.status.Host;
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
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
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
public final class KubernetesOrchestrator implements Orchestrator, SecretsFacet, HostMaintenanceFacet, dev.baton.LogsFacet, SpecRefusals {
    private static final String PLATFORM = Translator.PLATFORM;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS).build());
    private static final String REVISION = "deployment.kubernetes.io/revision";
    /** A Deployment's {@code progressDeadlineSeconds} when it sets none (the API server's default, {@code pkg/apis/apps/v1/defaults.go}). */
    private static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

    private final Supplier<Connection> connect;
    private final String configuredNamespace;
    private final boolean ownsClient;
    private Connection connection;

    /** {@code connect}: the client, created on first use, and where its configuration came from (for errors that say so). */
    KubernetesOrchestrator(Supplier<Connection> connect, String namespace, boolean ownsClient) {
        this.connect = connect;
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
        return new dev.baton.internal.GuardedOrchestrator(new KubernetesOrchestrator(
                () -> new Connection(client, Connection.givenOrigin(client.getConfiguration())), null, false), KubernetesProvider.CAPABILITIES);
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
                () -> new Connection(new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).withHttpClientFactory(KubernetesProvider.transport()).build(),
                        Connection.givenOrigin(config)), null, true),
                KubernetesProvider.CAPABILITIES);
    }

    private synchronized KubernetesClient client() {
        if (connection == null) {
            connection = connect.get();
        }
        return connection.client();
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
    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw translate(what, e);
        }
    }

    /**
     * Runs a request of this orchestrator, turning fabric8's failures into Baton's; an API server that cannot be
     * reached is reported with the URL tried, where the configuration came from, and the cause, instead of fabric8's
     * "Operation: [list] for kind: [Deployment] … failed."
     */
    private <T> T request(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            OrchestratorException out = translate(what, e);
            Connection c;
            synchronized (this) {
                c = connection;
            }
            if (out instanceof PlatformUnavailableException && c != null) {
                throw PlatformUnavailableException.of(PLATFORM, what + ": " + c.unreachable(e), e);
            }
            throw out;
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
        var v = request("version", () -> client().getKubernetesVersion());
        return new PlatformInfo(PLATFORM, v == null ? null : v.getGitVersion(), client().getMasterUrl().toString());
    }

    @Override
    public Capabilities capabilities() {
        return KubernetesProvider.CAPABILITIES;
    }

    /**
     * What Kubernetes cannot run of {@code spec} as Baton renders it, beyond what its capabilities say: every structural
     * rule of the translation ({@link Translator#refusals}), found from the spec alone, without a request. The core
     * runs it with the capability check before plan, render and deploy. A change the API server does not allow to a
     * live object (an immutable field) needs that object, and is refused by plan and deploy once they have read it.
     */
    @Override
    public List<Unsupported> refusals(JobSpec spec) {
        return Translator.refusals(spec);
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

    /** The kinds Baton renders, by kind. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
            "DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class,
            "Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class,
            "CronJob", io.fabric8.kubernetes.api.model.batch.v1.CronJob.class,
            "Service", io.fabric8.kubernetes.api.model.Service.class,
            "PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class);

    /** The workload kinds, in the order a job is looked for by its id alone (a job has workloads of one kind). */
    private static final List<String> WORKLOAD_KINDS = List.of("Deployment", "DaemonSet", "Job", "CronJob");

    @SuppressWarnings({"unchecked", "rawtypes"})
    private MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> ops(String kind) {
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
            throw new IllegalStateException("Baton renders no " + kind);
        }
        return (MixedOperation) client().resources(type);
    }

    private static String kindOf(JsonNode o) {
        return o.path("kind").asText();
    }

    private static String nameOf(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    /** A live object as Baton's JSON tree, to compare with what it renders (no JSON text in between: see {@link Fabric8Trees}). */
    private static JsonNode toJson(HasMetadata o) {
        return Fabric8Trees.toJackson2(o);
    }

    /**
     * The workloads of one kind labelled with a job, with the resourceVersion of the list (to watch from). The label
     * alone does not make a workload Baton's: one without the spec Baton stores ({@link Translator#SPEC_ANNOTATION}),
     * a foreign one, is listed but is not the job's to remove.
     */
    private record Listed(String kind, List<HasMetadata> items, String resourceVersion) {
        /** The specs Baton stored on them (workloads without one, which Baton did not deploy, have none). */
        List<JobSpec> specs() {
            List<JobSpec> out = new ArrayList<>();
            for (HasMetadata w : items) {
                JobSpec s = Translator.specOf(w.getMetadata().getAnnotations());
                if (s != null) {
                    out.add(s);
                }
            }
            return out;
        }

        /** The workloads Baton deployed: those that carry its spec. */
        List<HasMetadata> managed() {
            return items.stream().filter(KubernetesOrchestrator::isManaged).toList();
        }

        /** The workloads that carry the job's label but not Baton's spec, as {@code Kind name}. */
        List<String> foreign() {
            return items.stream().filter(w -> !isManaged(w)).map(w -> kind + " " + w.getMetadata().getName()).toList();
        }

        Map<String, HasMetadata> byName() {
            Map<String, HasMetadata> out = new LinkedHashMap<>();
            items.forEach(w -> out.put(w.getMetadata().getName(), w));
            return out;
        }
    }

    private Listed listWorkloads(String ns, String kind, String job) {
        KubernetesResourceList<HasMetadata> list = request("list " + kind + "s of " + job,
                () -> ops(kind).inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, job).list());
        return new Listed(kind, list.getItems(), list.getMetadata() == null ? null : list.getMetadata().getResourceVersion());
    }

    /** Whether Baton deployed a workload: it carries the spec Baton renders it from. */
    private static boolean isManaged(HasMetadata workload) {
        var annotations = workload.getMetadata().getAnnotations();
        return annotations != null && annotations.get(Translator.SPEC_ANNOTATION) != null;
    }

    /**
     * A job's workloads, found by its id: the first workload kind that has any Baton deployed, listed by the job's
     * label; null when none. The workloads that carry the label but not Baton's spec go to {@code foreign}.
     */
    private Listed find(String ns, String job, List<String> foreign) {
        for (String kind : WORKLOAD_KINDS) {
            Listed l = listWorkloads(ns, kind, job);
            if (!l.managed().isEmpty()) {
                return l;
            }
            foreign.addAll(l.foreign());
        }
        return null;
    }

    /**
     * Why a job Baton has no workload of is not found: it does not exist, or the namespace holds workloads under its
     * name that Baton did not create — labelled with the job (found by {@link #find}), or named as the job, as
     * {@code kubectl create deployment NAME} names one (read here by name, one read per workload kind, only on this
     * path) — which are not Baton's to show or remove. {@code consequence} says what was not done.
     */
    private NotFoundException notFound(String ns, String job, List<String> foreign, String consequence) {
        List<String> all = new ArrayList<>(foreign);
        for (String kind : WORKLOAD_KINDS) {
            HasMetadata named;
            try {
                named = get(ns, kind, job);
            } catch (AuthenticationException e) {
                continue; // allowed to list the kind but not to read one by name: the not-found stands
            }
            if (named != null && !isManaged(named) && !all.contains(kind + " " + job)) {
                all.add(kind + " " + job);
            }
        }
        if (all.isEmpty()) {
            return NotFoundException.job(PLATFORM, job);
        }
        List<String> names = all.stream().limit(5).toList();
        return NotFoundException.of(PLATFORM, "job " + job + " exists on " + PLATFORM + " (namespace " + ns + ") but is not managed by Baton: "
                + String.join(", ", names) + (all.size() > names.size() ? " and " + (all.size() - names.size()) + " more" : "")
                + (all.size() == 1 ? " carries" : " carry") + " no " + Translator.SPEC_ANNOTATION + " annotation" + consequence);
    }

    private HasMetadata get(String ns, String kind, String name) {
        return request("read " + kind + " " + name, () -> ops(kind).inNamespace(ns).withName(name).get());
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
     * its path; what the previous spec rendered and this one does not is {@code DESTROY}ed. Nothing is changed.
     */
    @Override
    public Plan plan(JobSpec spec) {
        String ns = namespace(spec.namespace());
        List<Change> changes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Unsupported> refused = new ArrayList<>();
        List<ObjectNode> desired = Translator.translate(spec, ns);
        Prepared prepared = prepare(spec, ns, desired, refused, true);
        for (Write w : prepared.writes()) {
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
        for (Translator.Ref stale : prepared.stale()) {
            // a plan lists only what exists (a deploy deletes without looking: a delete of an absent object is a no-op)
            if (prepared.listed().byName().containsKey(stale.name()) && prepared.listed().kind().equals(stale.kind())
                    || get(ns, stale.kind(), stale.name()) != null) {
                changes.add(new Change(Change.Action.DESTROY, stale.kind(), stale.name(), List.of()));
            }
        }
        return new Plan(PLATFORM, spec.name(), changes, refused, warnings);
    }

    /** The field manager Baton applies as: it owns the fields it sets, and only those. */
    static final String FIELD_MANAGER = "baton";

    /**
     * One object of a write: as rendered, as it lives ({@code null}: absent, or not read because the job has no
     * workload yet), the fields Baton sets that differ.
     */
    private record Write(ObjectNode desired, HasMetadata live, List<FieldChange> diff, boolean recreate, boolean refused) {
        String kind() {
            return kindOf(desired);
        }

        String name() {
            return nameOf(desired);
        }

        boolean needed() {
            return live == null || !diff.isEmpty();
        }
    }

    /**
     * What {@link #prepare} found: the writes, the objects the job owned that this spec no longer renders, and the
     * job's workloads of the rendered kind as listed (with the list's resourceVersion, which an await watches from).
     */
    private record Prepared(List<Write> writes, List<Translator.Ref> stale, Listed listed) {
    }

    /**
     * Reads what a write needs to know and works out the writes: nothing where the fields Baton sets are as rendered,
     * an apply otherwise, a delete and create for a Job whose immutable fields change. The job's workloads are one list
     * of the rendered kind by the job's label (all groups at once, renamed ones included), and the spec Baton stored on
     * them says what the job owned before, so that what this spec no longer renders is known without listing every
     * kind. When the job has no workload, its other objects are not read ({@code readAll} false, a deploy): each is
     * applied, and the server merges it into one that exists; a plan ({@code readAll}) reads each. A change the API
     * server cannot make (an immutable claim or selector field) goes to {@code refused}, so that it is refused before
     * anything is sent. A Deployment whose {@code replicas} another field manager owns (an autoscaler) is applied
     * without them.
     */
    private Prepared prepare(JobSpec spec, String ns, List<ObjectNode> desired, List<Unsupported> refused, boolean readAll) {
        String workloadKind = Translator.kind(spec.type());
        Listed listed = listWorkloads(ns, workloadKind, spec.name());
        Map<String, HasMetadata> workloads = listed.byName();
        boolean newJob = listed.items().isEmpty();
        List<Write> out = new ArrayList<>();
        for (ObjectNode d : desired) {
            String kind = kindOf(d);
            HasMetadata live = kind.equals(workloadKind) ? workloads.get(nameOf(d))
                    : newJob && !readAll ? null : get(ns, kind, nameOf(d));
            if (live == null) {
                out.add(new Write(d, null, List.of(), false, false));
                continue;
            }
            JsonNode liveJson = toJson(live);
            if ("Deployment".equals(kind) && replicasOwnedByAnother(liveJson)) {
                ((ObjectNode) d.path("spec")).remove("replicas");
            }
            List<FieldChange> diff = differences(liveJson, d);
            List<Immutables.Hit> hits = Immutables.hits(kind, diff);
            List<Immutables.Hit> refusals = hits.stream().filter(h -> h.remedy() == Immutables.Remedy.REFUSE).toList();
            refusals.forEach(h -> refused.add(immutable(spec, d, h)));
            out.add(new Write(d, live, diff, hits.stream().anyMatch(h -> h.remedy() == Immutables.Remedy.RECREATE), !refusals.isEmpty()));
        }
        return new Prepared(out, stale(desired, listed), listed);
    }

    /**
     * What the job owned and {@code desired} no longer renders: the workloads listed that Baton deployed and it does not
     * render (a renamed group), and every object the spec stored on them rendered (a removed service, volume or group).
     * A workload that carries the job's label but not Baton's spec is not the job's.
     */
    private static List<Translator.Ref> stale(List<ObjectNode> desired, Listed listed) {
        java.util.Set<Translator.Ref> keep = new java.util.HashSet<>();
        desired.forEach(d -> keep.add(new Translator.Ref(kindOf(d), nameOf(d))));
        java.util.Set<Translator.Ref> out = new java.util.LinkedHashSet<>();
        listed.managed().forEach(w -> out.add(new Translator.Ref(listed.kind(), w.getMetadata().getName())));
        listed.specs().forEach(previous -> out.addAll(Translator.names(previous)));
        out.removeAll(keep);
        return List.copyOf(out);
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
        String kind = kindOf(d);
        String name = nameOf(d);
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
     * {@code force} takes it over. One request: {@code PATCH} of the object's URL, content type
     * {@code application/apply-patch+yaml}. The body is the rendered tree as JSON (which is YAML), written once; no
     * fabric8 object is built from it.
     * <p>
     * fabric8's {@code withName(name).patch(context, body)} is not used: a patch by name alone first GETs the object
     * ({@code getItemOrRequireFromServer}), so it costs a read per object and fails with 404 Not Found where apply is
     * to create. The operation is given an object that names the target instead (kind, namespace and name only), as
     * {@code resource(o).patch(context)} is; fabric8 then takes the URL from it and sends {@code body} as it is.
     */
    private HasMetadata apply(ObjectNode d, boolean force, boolean dryRun) {
        PatchContext context = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER)
                .withForce(force ? Boolean.TRUE : null).withDryRun(dryRun ? List.of("All") : null).build();
        String kind = kindOf(d);
        String what = (dryRun ? "dry-run apply " : "apply ") + kind + " " + nameOf(d);
        String ns = d.path("metadata").path("namespace").asText();
        return request(what, () -> ops(kind).inNamespace(ns).resource(target(kind, ns, nameOf(d))).patch(context, d.toString()));
    }

    /** An object of {@code kind} that says only which one it is: what an operation on it by URL needs, and no more. */
    private static HasMetadata target(String kind, String ns, String name) {
        try {
            HasMetadata o = KINDS.get(kind).getDeclaredConstructor().newInstance();
            o.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(ns).withName(name).build());
            return o;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes an object; propagation Background: the garbage collector removes its dependents (ReplicaSets, pods). */
    private void delete(String ns, String kind, String name) {
        request("delete " + kind + " " + name, () -> ops(kind).inNamespace(ns).withName(name)
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete());
    }

    /**
     * Writes what {@link #prepare} found: an apply per changed object, and for a Job whose immutable fields change a
     * delete (propagation Background, the Job's pods go with it) and an apply that creates it again, as
     * {@code kubectl replace --force} does. Returns the server's answers to the applies (none: nothing was sent).
     */
    private List<HasMetadata> send(List<Write> writes, boolean force) {
        List<HasMetadata> answers = new ArrayList<>();
        for (Write w : writes) {
            if (!w.needed()) {
                continue;
            }
            if (w.recreate()) {
                delete(w.live().getMetadata().getNamespace(), w.kind(), w.name());
                answers.add(applyOnceGone(w.desired(), force));
            } else {
                answers.add(apply(w.desired(), force, false));
            }
        }
        return answers;
    }

    /** Applies an object whose predecessor was just deleted; while that one is still terminating the name is taken. */
    private HasMetadata applyOnceGone(ObjectNode d, boolean force) {
        Instant until = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try {
                return apply(d, force, false);
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

    /**
     * Where an await of a write starts: the job's workloads as the write's own list found them and that list's
     * resourceVersion (the workload watch starts there, so the write's own changes arrive as events), the workloads
     * as the server answered the write's applies ({@code written}), and whether the job is new (no workload before:
     * its pods can be watched without listing them first).
     */
    private record Start(boolean newJob, List<HasMetadata> workloads, String resourceVersion, List<HasMetadata> written) {
        static Start of(Listed listed, List<HasMetadata> answers) {
            return new Start(listed.items().isEmpty(), listed.items(), listed.resourceVersion(),
                    answers.stream().filter(a -> listed.kind().equals(a.getKind())).toList());
        }
    }

    private record Written(boolean changed, Start start) {
    }

    /**
     * Brings the cluster to {@code spec}: refusals first, then the writes, then what the previous spec rendered and this
     * one does not is deleted (by name, propagation Background).
     */
    private Written write(JobSpec spec, String ns, boolean force) {
        List<ObjectNode> desired = Translator.translate(spec, ns);
        List<Unsupported> refused = new ArrayList<>();
        Prepared prepared = prepare(spec, ns, desired, refused, false);
        if (!refused.isEmpty()) {
            throw UnsupportedCapabilityException.of(PLATFORM, refused);
        }
        List<HasMetadata> answers = send(prepared.writes(), force);
        boolean changed = !answers.isEmpty();
        for (Translator.Ref stale : prepared.stale()) {
            delete(ns, stale.kind(), stale.name());
            changed = true;
        }
        return new Written(changed, Start.of(prepared.listed(), answers));
    }

    @Override
    public Deployment deploy(JobSpec spec, DeployOptions options) {
        String ns = namespace(spec.namespace());
        Written written = write(spec, ns, options.force());
        return track(ns, spec, written.changed(), true, written.start());
    }

    /**
     * Follows a deployment of {@code spec} from a {@link JobView}: a watch of the job's pods, one of its workloads
     * (Deployments: the controller's verdict and the replicas it wants; DaemonSets: how many pods it wants) and one
     * of each Service's EndpointSlices. Every change re-evaluates the view; nothing is read again unless a watch ends
     * for good (then its objects are listed once). The requests an await sends do not depend on how many pods there are.
     * <p>
     * The Deployments' watch opens only when the controller's verdict can first come ({@link #verdictDue}): until
     * then the view has them as the write answered, which is all they can say before it (the replicas asked for); the
     * watch then resumes from the write's list, so that nothing they said in the meantime is missed.
     * <p>
     * The workloads start from the write's own list and answers (no request). The pods of a new job are watched from
     * the start (there is nothing to list); those of a job that had workloads are listed first, and so are its
     * Services' EndpointSlices when the pods already look settled: a job that is as it should be (an unchanged
     * redeploy) is then seen to be so without opening any watch. Otherwise every feed watches from its start.
     */
    private Deployment track(String ns, JobSpec spec, boolean changed, boolean mayRevert, Start start) {
        String version = SpecVersion.of(spec);
        Duration deadlineLimit = spec.update() != null && spec.update().healthyDeadline() != null ? spec.update().healthyDeadline() : null;
        Instant started = Instant.now();
        return DeploymentTracker.started(PLATFORM, spec.name(), version, changed, (tracker, deadline) -> {
            try (JobView view = new JobView()) {
                var pods = view.<io.fabric8.kubernetes.api.model.Pod>feed("pods of " + spec.name(),
                        () -> client().pods().inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, spec.name()));
                JobView.Feed<HasMetadata> workloads = null;
                if (spec.type() == JobType.SERVICE || spec.type() == JobType.SYSTEM) {
                    String kind = Translator.kind(spec.type());
                    workloads = view.feed(kind + "s of " + spec.name(),
                            () -> ops(kind).inNamespace(ns).withLabel(SpecVersion.JOB_LABEL, spec.name()));
                }
                // a Service answers once the EndpointSlice controller has listed the ready pods: wait for that too
                Map<String, JobView.Feed<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice>> slices = new LinkedHashMap<>();
                if (spec.type() == JobType.SERVICE) {
                    for (GroupSpec g : spec.groups()) {
                        for (var svc : g.services()) {
                            slices.put(svc.name(), view.feed("endpoint slices of " + svc.name(), () -> client().discovery().v1().endpointSlices()
                                    .inNamespace(ns).withLabel("kubernetes.io/service-name", svc.name())));
                        }
                    }
                }
                if (workloads != null) {
                    if (start.resourceVersion() != null) {
                        workloads.startFrom(start.workloads(), start.resourceVersion(), start.written());
                    } else {
                        workloads.load();
                    }
                }
                Instant verdictDue = spec.type() == JobType.SERVICE ? verdictDue(start, started) : started;
                boolean watching = false;
                boolean workloadsWatched = workloads == null;
                if (start.newJob()) {
                    pods.watchFrom(null);
                    slices.values().forEach(f -> f.watchFrom(null));
                    watching = true;
                } else {
                    pods.load();
                    if (!DeploymentTracker.settled(Readings.read(ns, spec, pods.snapshot().values(),
                            workloads == null ? Map.of() : workloads.snapshot()).status().groups(), spec.type(), version)) {
                        slices.values().forEach(f -> f.watchFrom(null));
                        pods.follow();
                        watching = true;
                    } else {
                        slices.values().forEach(JobView.Feed::load);
                    }
                }
                while (!tracker.isDone()) {
                    view.resync();
                    long seen = view.changes();
                    Readings.Reading reading = Readings.read(ns, spec, pods.snapshot().values(),
                            workloads == null ? Map.of() : workloads.snapshot());
                    JobStatus status = reading.status();
                    if (DeploymentTracker.settled(status.groups(), spec.type(), version) && endpointsListed(spec, slices)) {
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
                                view.close();
                                tracker.event(Event.of(spec.name(), Event.Type.DEPLOYMENT_FAILED, why + "; rolling back"));
                                Written back = write(previous, ns, false);
                                var result = track(ns, previous, true, false, back.start()).await(Duration.between(Instant.now(), deadline));
                                tracker.complete(result.isSuccess() ? Outcome.ROLLED_BACK : Outcome.FAILED, result.status(),
                                        result.isSuccess() ? "rolled back to version " + SpecVersion.of(previous) + " after: " + why
                                                : "rollback failed: " + result.message());
                                return;
                            }
                        }
                        tracker.complete(Outcome.FAILED, status, why);
                        return;
                    }
                    if (!now.isBefore(deadline)) {
                        return;
                    }
                    if (!watching) {
                        // not as it should be after all: every feed watches from where its start left off
                        pods.follow();
                        slices.values().forEach(JobView.Feed::follow);
                        watching = true;
                    }
                    if (!workloadsWatched && !now.isBefore(verdictDue)) {
                        workloads.follow();
                        workloadsWatched = true;
                    }
                    Instant wake = deadlineLimit == null ? deadline : min(deadline, started.plus(deadlineLimit));
                    if (!workloadsWatched) {
                        wake = min(wake, verdictDue);
                    }
                    view.awaitChange(seen, Math.min(Duration.between(now, wake).toMillis(), 30_000));
                }
            }
        });
    }

    /**
     * The earliest the Deployment controller can give up on a rollout of the job's Deployments: {@code
     * progressDeadlineSeconds} (600 when unset, the API server's default) after the rollout's last progress. It
     * measures that from the {@code lastUpdateTime} of the {@code Progressing} condition, which it sets anew when a
     * rollout starts, and it declares {@code ProgressDeadlineExceeded} only once that time plus the deadline has
     * passed (upstream {@code pkg/controller/deployment/progress.go}, {@code DeploymentTimedOut}); both times are the
     * controller's clock, so what counts here is the time between them. A Deployment this deploy wrote started its
     * rollout after {@code started}; one it left as it was (another group's) since its condition's last update, or
     * has given up already, which the write's list shows.
     */
    private static Instant verdictDue(Start start, Instant started) {
        Map<String, HasMetadata> written = new HashMap<>();
        start.written().forEach(w -> written.put(w.getMetadata().getName(), w));
        Instant due = null;
        List<HasMetadata> all = new ArrayList<>(start.written());
        start.workloads().stream().filter(w -> !written.containsKey(w.getMetadata().getName())).forEach(all::add);
        for (HasMetadata w : all) {
            if (!(w instanceof io.fabric8.kubernetes.api.model.apps.Deployment d)) {
                continue;
            }
            Integer seconds = d.getSpec() == null ? null : d.getSpec().getProgressDeadlineSeconds();
            Instant from = started;
            if (!written.containsKey(d.getMetadata().getName()) && d.getStatus() != null && d.getStatus().getConditions() != null) {
                from = d.getStatus().getConditions().stream()
                        .filter(c -> "Progressing".equals(c.getType()) && c.getLastUpdateTime() != null)
                        .map(c -> Instant.parse(c.getLastUpdateTime())).findFirst().map(t -> min(t, started)).orElse(started);
            }
            Instant at = from.plusSeconds(seconds == null ? DEFAULT_PROGRESS_DEADLINE_SECONDS : seconds);
            due = due == null ? at : min(due, at);
        }
        return due == null ? started : due;
    }

    /** Whether every Service of the job lists at least its group's desired number of ready endpoints, in the view. */
    private static boolean endpointsListed(JobSpec spec,
            Map<String, JobView.Feed<io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice>> slices) {
        if (spec.type() != JobType.SERVICE) {
            return true;
        }
        for (GroupSpec g : spec.groups()) {
            for (var svc : g.services()) {
                // the Service's port is named as the spec's port (Translator.service)
                if (JobView.readyEndpoints(slices.get(svc.name()).snapshot().values(), svc.port()) < g.countOrDefault()) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** The job's workloads and the spec Baton stored on them; not found when it has none or Baton did not deploy it. */
    private record Job(Listed listed, JobSpec spec) {
    }

    private Job job(String ns, String job) {
        return job(ns, job, "");
    }

    /** The job Baton deployed under {@code job}; not found, saying so when what is there is not Baton's, followed by {@code consequence}. */
    private Job job(String ns, String job, String consequence) {
        List<String> foreign = new ArrayList<>();
        Listed listed = find(ns, job, foreign);
        if (listed == null) {
            throw notFound(ns, job, foreign, consequence);
        }
        return new Job(listed, listed.specs().get(0));
    }

    @Override
    public JobStatus status(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        Job job = job(ns, ref.name());
        List<io.fabric8.kubernetes.api.model.Pod> pods = request("list pods of " + ref.name(), () -> client().pods().inNamespace(ns)
                .withLabel(SpecVersion.JOB_LABEL, ref.name()).list().getItems());
        return Readings.read(ns, job.spec(), pods, job.listed().byName()).status();
    }

    /**
     * The jobs Baton deployed in the namespace whose labels include the selector's: one list per workload kind and, when
     * there are any, one list of their pods, whatever the number of jobs; each job's state is worked out from those as
     * {@link #status} works it out.
     */
    @Override
    public List<JobSummary> list(Selector selector) {
        String ns = namespace(selector.namespace());
        Map<String, String> labels = new LinkedHashMap<>(selector.labels());
        // jobs: the first workload kind each is found in (a job has one type), and its workloads of that kind
        Map<String, JobSpec> specs = new LinkedHashMap<>();
        Map<String, Map<String, HasMetadata>> workloads = new LinkedHashMap<>();
        for (String kind : WORKLOAD_KINDS) {
            List<HasMetadata> items = request("list " + kind + "s", () -> ops(kind).inNamespace(ns).withLabels(labels)
                    .withLabel(SpecVersion.JOB_LABEL).list().getItems());
            Map<String, String> kindOfJob = new java.util.HashMap<>();
            for (HasMetadata w : items) {
                JobSpec spec = Translator.specOf(w.getMetadata().getAnnotations());
                if (spec == null || !selector.matches(spec.labels())) {
                    continue;
                }
                if (!specs.containsKey(spec.name())) {
                    specs.put(spec.name(), spec);
                    kindOfJob.put(spec.name(), kind);
                }
                if (kind.equals(kindOfJob.get(spec.name()))) {
                    workloads.computeIfAbsent(spec.name(), k -> new LinkedHashMap<>()).put(w.getMetadata().getName(), w);
                }
            }
        }
        if (specs.isEmpty()) {
            return List.of();
        }
        Map<String, List<io.fabric8.kubernetes.api.model.Pod>> pods = new java.util.HashMap<>();
        for (var p : request("list pods of jobs", () -> client().pods().inNamespace(ns).withLabels(labels)
                .withLabel(SpecVersion.JOB_LABEL).list().getItems())) {
            pods.computeIfAbsent(p.getMetadata().getLabels().get(SpecVersion.JOB_LABEL), k -> new ArrayList<>()).add(p);
        }
        List<JobSummary> out = new ArrayList<>();
        specs.forEach((name, spec) -> out.add(new JobSummary(name, ns, spec.type().id(), spec.labels(),
                Readings.read(ns, spec, pods.getOrDefault(name, List.of()), workloads.getOrDefault(name, Map.of())).status().state())));
        return out;
    }

    @Override
    public Deployment scale(String jobId, String group, int count) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        Job job = job(ns, ref.name());
        JobSpec spec = job.spec();
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
                .filter(o -> kindOf(o).equals("Deployment") && nameOf(o).equals(name))
                .findFirst().orElseThrow();
        HasMetadata answer = apply(workload, false, false);
        return track(ns, scaled, true, false, Start.of(job.listed(), List.of(answer)));
    }

    @Override
    public Deployment rollback(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        JobSpec spec = job(ns, ref.name()).spec();
        if (spec.type() != JobType.SERVICE) {
            throw UnsupportedCapabilityException.operation(PLATFORM, "rollback of a " + spec.type().id() + " job",
                    "only Deployments keep ReplicaSet revisions to return to");
        }
        JobSpec previous = previousSpec(ns, spec);
        if (previous == null) {
            throw ConflictException.of(PLATFORM, "job " + ref.name() + " has no previous revision to roll back to");
        }
        Written written = write(previous, ns, false);
        return track(ns, previous, true, false, written.start());
    }

    /**
     * The spec of the previous ReplicaSet revision of the job's first group (kept in its {@code baton.dev/spec}
     * annotation), with the counts the job has now: rollback changes what runs, not how many, like
     * {@code kubectl rollout undo}. Applying it puts that revision's pod template back, as Baton's own field manager.
     */
    private JobSpec previousSpec(String ns, JobSpec spec) {
        Optional<ReplicaSet> prev = previousReplicaSet(ns, spec, spec.groups().get(0));
        JobSpec previous = prev.map(rs -> Translator.specOf(rs.getMetadata().getAnnotations())).orElse(null);
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
        List<ReplicaSet> sets = request("list replica sets", () -> client().apps().replicaSets().inNamespace(ns)
                .withLabel(SpecVersion.JOB_LABEL, spec.name()).withLabel(SpecVersion.GROUP_LABEL, g.name()).list().getItems());
        return sets.stream()
                .filter(rs -> !version.equals(rs.getSpec().getTemplate().getMetadata().getLabels().get(SpecVersion.LABEL)))
                .max(Comparator.comparingLong(rs -> Long.parseLong(rs.getMetadata().getAnnotations().getOrDefault(REVISION, "0"))));
    }

    /**
     * Deletes what Baton created for the job, as the spec it stored says: each workload, Service and claim by name, one
     * delete each, propagation Background. The workloads' ReplicaSets and pods, and the Services' EndpointSlices, are
     * the garbage collector's to remove (they name their owner in {@code ownerReferences}), as {@code kubectl delete}
     * leaves them to it. A workload Baton did not deploy (no {@link Translator#SPEC_ANNOTATION}) is never deleted: a
     * job that has only such workloads is refused as not found, and nothing is sent.
     */
    @Override
    public void undeploy(String jobId) {
        JobRef ref = JobRef.parse(jobId, null);
        String ns = namespace(ref.namespace());
        Job job = job(ns, ref.name(), "; not removed");
        java.util.Set<Translator.Ref> owned = new java.util.LinkedHashSet<>();
        job.listed().managed().forEach(w -> owned.add(new Translator.Ref(job.listed().kind(), w.getMetadata().getName())));
        job.listed().specs().forEach(s -> owned.addAll(Translator.names(s)));
        // workloads first (their pods stop), then what reaches them (Services), then their storage (claims)
        List<Translator.Ref> order = new ArrayList<>(owned);
        order.sort(Comparator.comparingInt(r -> r.kind().equals("Service") ? 1 : r.kind().equals("PersistentVolumeClaim") ? 2 : 0));
        for (Translator.Ref r : order) {
            delete(ns, r.kind(), r.name());
        }
    }

    @Override
    public List<Host> hosts() {
        List<Node> nodes = request("list nodes", () -> client().nodes().list().getItems());
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
        var svc = request("read service " + serviceName, () -> client().services().inNamespace(ns).withName(serviceName).get());
        if (svc == null || svc.getSpec() == null || svc.getSpec().getPorts() == null || svc.getSpec().getPorts().isEmpty()) {
            return List.of();
        }
        String portName = svc.getSpec().getPorts().get(0).getName();
        var slices = request("list endpoint slices of " + serviceName, () -> client().discovery().v1().endpointSlices().inNamespace(ns)
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
        List<Pod> pods = request("list pods of " + ref.name(), () -> client().pods().inNamespace(ns)
                .withLabel(SpecVersion.JOB_LABEL, ref.name()).list().getItems());
        List<LogLine> out = new ArrayList<>();
        for (Pod p : pods) {
            for (var c : p.getSpec().getContainers()) {
                String text = request("read the log of " + p.getMetadata().getName(), () -> client().pods().inNamespace(ns)
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
        request("watch " + ref.name(), () -> {
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
        Secret live = request("read secret " + name, () -> client().secrets().inNamespace(ns).withName(name).get());
        if (live == null) {
            request("create secret " + name, () -> client().secrets().inNamespace(ns).resource(secret).create());
        } else {
            secret.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
            request("replace secret " + name, () -> client().secrets().inNamespace(ns).resource(secret).update());
        }
    }

    @Override
    public List<SecretInfo> list() {
        String ns = namespace(null);
        return request("list secrets", () -> client().secrets().inNamespace(ns).withLabel("baton.dev/secret").list().getItems()).stream()
                .map(s -> new SecretInfo(s.getMetadata().getName(), s.getData() == null ? java.util.Set.of() : s.getData().keySet(),
                        s.getMetadata().getResourceVersion()))
                .toList();
    }

    @Override
    public void delete(String name) {
        SecretRules.checkName(name);
        String ns = namespace(null);
        var deleted = request("delete secret " + name, () -> client().secrets().inNamespace(ns).withName(name).delete());
        if (deleted == null || deleted.isEmpty()) {
            throw NotFoundException.of(PLATFORM, "secret", name, null);
        }
    }

    /** Cordons the node and evicts its pods through the Eviction API (which respects PodDisruptionBudgets), skipping DaemonSet pods. */
    @Override
    public void drain(String hostId, Duration deadline, boolean ignoreSystemJobs) {
        request("cordon " + hostId, () -> client().nodes().withName(hostId).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        }));
        // filtered here rather than with a spec.nodeName field selector, which not every API server double supports
        List<Pod> pods = request("list pods on " + hostId, () -> client().pods().inAnyNamespace().list().getItems()).stream()
                .filter(p -> p.getSpec() != null && hostId.equals(p.getSpec().getNodeName())).toList();
        for (Pod p : pods) {
            boolean daemon = p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> "DaemonSet".equals(o.getKind()));
            if (daemon) {
                continue;
            }
            // an eviction a PodDisruptionBudget blocks is answered 429 (false here): try again until the deadline
            Instant until = Instant.now().plus(deadline == null ? Duration.ofHours(1) : deadline);
            while (!request("evict " + p.getMetadata().getName(), () -> client().pods().inNamespace(p.getMetadata().getNamespace())
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
        request("uncordon " + hostId, () -> client().nodes().withName(hostId).edit(n -> {
            n.getSpec().setUnschedulable(false);
            return n;
        }));
    }

    @Override
    public synchronized void close() {
        if (connection != null && ownsClient) {
            connection.client().close();
        }
    }
}
