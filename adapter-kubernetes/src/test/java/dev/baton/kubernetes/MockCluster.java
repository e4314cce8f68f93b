package dev.baton.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * fabric8's Kubernetes mock API server in CRUD mode on 127.0.0.1, plus a stand-in for the controllers it does not
 * run. The mock stores objects and serves lists and watches; this fixture plays the Deployment, ReplicaSet, Job
 * and DaemonSet controllers and the kubelet, reacting to watch events (not polling), and to the two timers the real
 * ones keep (the kubelet's restart back-off, the Deployment controller's progress check):
 * <ul>
 * <li>a Deployment gets a ReplicaSet per pod template (with the revision annotation and the Deployment's annotations,
 * as the real controller copies them); the new one is scaled to the replica count, the old ones keep as many pods
 * as the new one lacks ready ones (RollingUpdate with maxUnavailable 0);</li>
 * <li>a Deployment gets a {@code status} as the Deployment controller writes it ({@code observedGeneration},
 * {@code replicas}, {@code updatedReplicas}, {@code readyReplicas}, {@code availableReplicas},
 * {@code unavailableReplicas}, and the {@code Available} and {@code Progressing} conditions with the upstream reasons
 * {@code NewReplicaSetCreated}, {@code FoundNewReplicaSet}, {@code ReplicaSetUpdated}, {@code NewReplicaSetAvailable},
 * {@code ProgressDeadlineExceeded}, {@code MinimumReplicasAvailable}, {@code MinimumReplicasUnavailable}). A rollout
 * that makes no progress for {@code spec.progressDeadlineSeconds} (600 when unset, the API server's default) after
 * the Progressing condition's {@code lastUpdateTime} gets {@code Progressing} {@code status: "False"},
 * {@code reason: ProgressDeadlineExceeded}, {@code message: ReplicaSet "…" has timed out progressing.}; a stuck
 * rollout is re-checked at that moment plus one second, as the controller requeues it. Source: kubernetes/kubernetes
 * {@code pkg/controller/deployment/progress.go} ({@code syncRolloutStatus}, {@code requeueStuckDeployment}),
 * {@code pkg/controller/deployment/util/deployment_util.go} ({@code DeploymentComplete}, {@code DeploymentProgressing},
 * {@code DeploymentTimedOut}, {@code SetDeploymentCondition}, {@code ResolveFenceposts}, the reason constants),
 * {@code sync.go} ({@code calculateStatus}, {@code getNewReplicaSet}); field names from the 1.36 OpenAPI definitions
 * {@code io.k8s.api.apps.v1.DeploymentStatus} and {@code DeploymentCondition} in {@code ../shared/upstream/kubernetes/};</li>
 * <li>pods are bound to the one node {@code node-1}, Running, and Ready unless a container's environment has
 * {@code FAIL=1} (the stand-in for a failing readiness probe: no container runs here);</li>
 * <li>a container whose command says it exits, {@link #exitCode the one explicit form} {@code sh -c "echo …; exit N"},
 * is run by the kubelet as a real one would run it, in a pod that restarts Always (Deployments, DaemonSets): it
 * terminates at once ({@code state.terminated}: {@code exitCode} N, {@code reason} {@code Error}, or {@code Completed}
 * for 0), is restarted at once, then after a back-off of 10 s doubling to 5 min ({@code backOffPeriod},
 * {@code MaxContainerBackOff}); between restarts it is {@code state.waiting} with {@code reason: CrashLoopBackOff} and
 * {@code message: back-off 10s restarting failed container=… pod=…}, with {@code lastState.terminated} the last exit,
 * {@code restartCount} growing, {@code ready: false}, {@code started: false}. The pod stays {@code phase: Running}
 * ("all containers are in the process of restarting") with its {@code Ready} and {@code ContainersReady} conditions
 * {@code False}, {@code reason: ContainersNotReady}. The instant a restarted container runs before it exits again is
 * not reported (a container that exits at once is gone before the kubelet's next look). Source: kubernetes/kubernetes
 * {@code pkg/kubelet/kubelet_pods.go} ({@code getPhase}), {@code pkg/kubelet/kuberuntime/kuberuntime_manager.go}
 * ({@code doBackOff}), {@code pkg/kubelet/status/generate.go}, {@code pkg/kubelet/kubelet.go}; the doc page
 * "Pod Lifecycle" (container restarts); field names from {@code io.k8s.api.core.v1.ContainerStatus},
 * {@code ContainerState*} and {@code PodCondition} in the same OpenAPI definitions. Job pods keep the {@code FAIL=1}
 * stand-in;</li>
 * <li>a Job's pods end Succeeded (or Failed with {@code FAIL=1}); a DaemonSet gets one pod on the node;</li>
 * <li>each Service gets an EndpointSlice of the pods it selects, with their readiness (the EndpointSlice controller),
 * owned by the Service;</li>
 * <li>the garbage collector: a ReplicaSet, pod or EndpointSlice none of whose {@code ownerReferences} exists any more
 * is deleted, as after a delete with propagation {@code Background} (the default for Deployments, ReplicaSets and
 * DaemonSets): a deleted Deployment's ReplicaSets go, then their pods (kube-controller-manager's
 * {@code pkg/controller/garbagecollector}; doc page "Garbage Collection", background cascading deletion).</li>
 * </ul>
 * Not reproduced: scheduling, resource accounting, probes themselves, rollout pacing (surge, minReadySeconds: a ready
 * pod counts as available at once), ReplicaSet status, server-side apply and field ownership, admission and
 * validation. The mock has no status subresource for built-in kinds, so a replace of a Deployment without a status
 * clears it; the controller then writes it afresh (a new template starts a new Progressing condition in any case).
 */
final class MockCluster implements AutoCloseable {
    /** Held so the level sticks: the mock server logs every request at INFO through java.util.logging. */
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** The User-Agent of the fixture's own requests (the controllers' and the kubelet's), as kube-controller-manager sends it. */
    static final String USER_AGENT = "kube-controller-manager/v1.36.0 (linux/amd64) kubernetes/mock";

    final KubernetesMockServer server;
    final KubernetesClient client;
    /** The controllers' and the kubelet's one thread: watch events and their timers run here, one at a time. */
    private final ScheduledExecutorService controller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mock-controller");
        t.setDaemon(true);
        return t;
    });
    /** The pending progress check of each stuck Deployment ({@code namespace/name}), as the controller's delayed requeue. */
    private final Map<String, ScheduledFuture<?>> progressChecks = new HashMap<>();
    private final List<Watch> watches = new ArrayList<>();
    private final AtomicInteger ips = new AtomicInteger(10);

    MockCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new dev.baton.kubernetes.apiserver.ApiServerDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        // the controllers identify themselves as kube-controller-manager does, so that tests can tell their requests
        // from the client's under test (and the managedFields they write name that manager, as on a real cluster)
        client = server.createClient(b -> b.editOrNewConfig().withUserAgent(USER_AGENT).endConfig());
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1")
                .addToLabels("kubernetes.io/hostname", "node-1").addToLabels("kubernetes.io/os", "linux").endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .addToCapacity("cpu", new Quantity("4")).addToCapacity("memory", new Quantity("8Gi"))
                .addToAllocatable("cpu", new Quantity("3500m")).addToAllocatable("memory", new Quantity("7Gi"))
                .endStatus().build()).create();
        watch(client.apps().deployments().inAnyNamespace().watch(trigger()));
        watch(client.apps().replicaSets().inAnyNamespace().watch(trigger()));
        watch(client.batch().v1().jobs().inAnyNamespace().watch(trigger()));
        watch(client.apps().daemonSets().inAnyNamespace().watch(trigger()));
        watch(client.services().inAnyNamespace().watch(trigger()));
    }

    String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** An orchestrator on this cluster's API server, in namespace {@code default}, with {@code config} for the rest. */
    dev.baton.Orchestrator connect(dev.baton.OrchestratorConfig.Builder config) {
        return dev.baton.Orchestrators.connect(dev.baton.Target.parse("kubernetes://" + url()), config.namespace("default").build());
    }

    /** An orchestrator on this cluster's API server, in namespace {@code default}, with a request timeout of 10 s. */
    dev.baton.Orchestrator connect() {
        return connect(dev.baton.OrchestratorConfig.builder().requestTimeout(Duration.ofSeconds(10)));
    }

    private void watch(Watch w) {
        watches.add(w);
    }

    private <T extends HasMetadata> Watcher<T> trigger() {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                if (action == Action.DELETED) {
                    // an owner is gone: the garbage collector removes what it owned
                    controller.execute(() -> collectGarbageNow());
                }
                controller.execute(() -> reconcile());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
    }

    private synchronized void collectGarbageNow() {
        try {
            collectGarbage();
        } catch (RuntimeException e) {
            if (!controller.isShutdown()) {
                System.err.println("mock garbage collector: " + e);
            }
        }
    }

    private synchronized void reconcile() {
        try {
            for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
                reconcile(d);
            }
            for (Job j : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
                ensurePods(j.getMetadata().getNamespace(), j.getMetadata().getName(), j.getSpec().getTemplate(),
                        j.getSpec().getCompletions() == null ? 1 : j.getSpec().getCompletions(), j, true, null);
            }
            for (DaemonSet ds : client.apps().daemonSets().inAnyNamespace().list().getItems()) {
                ensurePods(ds.getMetadata().getNamespace(), ds.getMetadata().getName(), ds.getSpec().getTemplate(), 1, ds, false,
                        hash(ds.getSpec().getTemplate()));
            }
            for (io.fabric8.kubernetes.api.model.Service svc : client.services().inAnyNamespace().list().getItems()) {
                endpointSlice(svc);
            }
        } catch (RuntimeException e) {
            if (!controller.isShutdown()) {
                System.err.println("mock controller: " + e);
            }
        }
    }

    /** Deletes the dependents whose owners are all gone: ReplicaSets first, then pods and EndpointSlices. */
    private void collectGarbage() {
        java.util.Set<String> owners = new java.util.HashSet<>();
        client.apps().deployments().inAnyNamespace().list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        client.apps().daemonSets().inAnyNamespace().list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        client.batch().v1().jobs().inAnyNamespace().list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        client.services().inAnyNamespace().list().getItems().forEach(o -> owners.add(o.getMetadata().getUid()));
        for (ReplicaSet rs : client.apps().replicaSets().inAnyNamespace().list().getItems()) {
            if (orphan(rs, owners)) {
                client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).delete();
            } else {
                owners.add(rs.getMetadata().getUid());
            }
        }
        for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
            if (orphan(p, owners)) {
                client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).delete();
            }
        }
        for (var slice : client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems()) {
            if (orphan(slice, owners)) {
                client.discovery().v1().endpointSlices().inNamespace(slice.getMetadata().getNamespace()).resource(slice).delete();
            }
        }
    }

    /** Whether an object has owners and none of them exists (objects without owners are nobody's to collect). */
    private static boolean orphan(HasMetadata o, java.util.Set<String> owners) {
        var refs = o.getMetadata().getOwnerReferences();
        return refs != null && !refs.isEmpty() && refs.stream().noneMatch(r -> owners.contains(r.getUid()));
    }

    static String hash(PodTemplateSpec t) {
        return Integer.toHexString(Serialization.asJson(t.getSpec()).hashCode() ^ Objects.hashCode(t.getMetadata().getLabels()));
    }

    private void reconcile(Deployment d) {
        String ns = d.getMetadata().getNamespace();
        String hash = hash(d.getSpec().getTemplate());
        String rsName = d.getMetadata().getName() + "-" + hash;
        List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(ns).list().getItems().stream()
                .filter(rs -> rs.getMetadata().getOwnerReferences() != null && rs.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> o.getName().equals(d.getMetadata().getName())))
                .toList();
        ReplicaSet current = sets.stream().filter(rs -> rs.getMetadata().getName().equals(rsName)).findFirst().orElse(null);
        long maxRevision = sets.stream().mapToLong(rs -> Long.parseLong(rs.getMetadata().getAnnotations()
                .getOrDefault("deployment.kubernetes.io/revision", "0"))).max().orElse(0);
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        Map<String, String> annotations = new LinkedHashMap<>(d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations());
        boolean created = current == null;
        if (current == null) {
            annotations.put("deployment.kubernetes.io/revision", Long.toString(maxRevision + 1));
            PodTemplateSpec template = Serialization.clone(d.getSpec().getTemplate());
            template.getMetadata().getLabels().put("pod-template-hash", hash);
            current = client.apps().replicaSets().inNamespace(ns).resource(new ReplicaSetBuilder()
                    .withNewMetadata().withName(rsName).withNamespace(ns).withLabels(template.getMetadata().getLabels())
                    .withAnnotations(annotations)
                    .withOwnerReferences(new OwnerReferenceBuilder().withKind("Deployment").withApiVersion("apps/v1")
                            .withName(d.getMetadata().getName()).withUid(d.getMetadata().getUid()).build())
                    .endMetadata()
                    .withNewSpec().withReplicas(desired).withTemplate(template).endSpec().build()).create();
        } else if (!Objects.equals(current.getSpec().getReplicas(), desired)) {
            current.getSpec().setReplicas(desired);
            current = client.apps().replicaSets().inNamespace(ns).resource(current).update();
        }
        ensurePods(ns, rsName, current.getSpec().getTemplate(), desired, current, false, hash);
        long readyNew = pods(ns, rsName).stream().filter(MockCluster::ready).count();
        int oldKeep = (int) Math.max(0, desired - readyNew);
        for (ReplicaSet old : sets) {
            if (old.getMetadata().getName().equals(rsName)) {
                continue;
            }
            int want = Math.min(oldKeep, old.getSpec().getReplicas() == null ? 0 : old.getSpec().getReplicas());
            oldKeep -= want;
            if (!Objects.equals(old.getSpec().getReplicas(), want)) {
                old.getSpec().setReplicas(want);
                client.apps().replicaSets().inNamespace(ns).resource(old).update();
            }
            ensurePods(ns, old.getMetadata().getName(), old.getSpec().getTemplate(), want, old, false, null);
        }
        List<ReplicaSet> all = new ArrayList<>(sets.stream().filter(rs -> !rs.getMetadata().getName().equals(rsName)).toList());
        all.add(current);
        rolloutStatus(d, current, created, all, desired);
    }

    private static final String PROGRESSING = "Progressing";
    private static final String AVAILABLE = "Available";
    private static final String TIMED_OUT = "ProgressDeadlineExceeded";
    private static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
    /** The API server's default for {@code spec.progressDeadlineSeconds} ({@code pkg/apis/apps/v1/defaults.go}). */
    static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

    /** A {@code metav1.Time} as the API server serialises it: RFC 3339, whole seconds. */
    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static DeploymentCondition condition(List<DeploymentCondition> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /** {@code SetDeploymentCondition}: no change for the same status and reason; a kept status keeps its transition time. */
    private static void setCondition(List<DeploymentCondition> conditions, DeploymentCondition c) {
        DeploymentCondition current = condition(conditions, c.getType());
        if (current != null && current.getStatus().equals(c.getStatus()) && Objects.equals(current.getReason(), c.getReason())) {
            return;
        }
        if (current != null && current.getStatus().equals(c.getStatus())) {
            c.setLastTransitionTime(current.getLastTransitionTime());
        }
        conditions.removeIf(x -> c.getType().equals(x.getType()));
        conditions.add(c);
    }

    private static DeploymentCondition newCondition(String type, String status, String reason, String message) {
        String now = now();
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastUpdateTime(now).withLastTransitionTime(now).build();
    }

    private static int intOrPercent(IntOrString v, int desired, boolean roundUp, int dflt) {
        if (v == null) {
            return dflt;
        }
        if (v.getStrVal() == null) {
            return v.getIntVal();
        }
        double pct = Integer.parseInt(v.getStrVal().replace("%", "")) * desired / 100.0;
        return (int) (roundUp ? Math.ceil(pct) : Math.floor(pct));
    }

    /** {@code MaxUnavailable}: 0 unless RollingUpdate; maxSurge and maxUnavailable both 0 resolve to 1 unavailable. */
    private static int maxUnavailable(Deployment d, int desired) {
        var strategy = d.getSpec().getStrategy();
        if (desired == 0 || (strategy != null && strategy.getType() != null && !"RollingUpdate".equals(strategy.getType()))) {
            return 0;
        }
        var ru = strategy == null ? null : strategy.getRollingUpdate();
        int surge = intOrPercent(ru == null ? null : ru.getMaxSurge(), desired, true, (int) Math.ceil(desired * 0.25));
        int unavailable = intOrPercent(ru == null ? null : ru.getMaxUnavailable(), desired, false, (int) Math.floor(desired * 0.25));
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return Math.min(unavailable, desired);
    }

    private static int count(Integer v) {
        return v == null ? 0 : v;
    }

    /** {@code DeploymentComplete}. */
    private static boolean complete(Deployment d, DeploymentStatus s, int desired) {
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        long observed = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
        return count(s.getUpdatedReplicas()) == desired && count(s.getReplicas()) == desired
                && count(s.getAvailableReplicas()) >= desired - maxUnavailable(d, desired) && observed >= generation;
    }

    private static int progressDeadlineSeconds(Deployment d) {
        return d.getSpec().getProgressDeadlineSeconds() == null ? DEFAULT_PROGRESS_DEADLINE_SECONDS : d.getSpec().getProgressDeadlineSeconds();
    }

    /**
     * The Deployment controller's status: {@code getNewReplicaSet}'s Progressing condition, {@code calculateStatus},
     * then {@code syncRolloutStatus} (complete, progressing, or timed out), written only when it changed; a stuck
     * rollout is checked again when its deadline passes ({@code requeueStuckDeployment}).
     */
    private void rolloutStatus(Deployment d, ReplicaSet newRs, boolean created, List<ReplicaSet> sets, int desired) {
        String ns = d.getMetadata().getNamespace();
        String rs = newRs.getMetadata().getName();
        DeploymentStatus stored = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        // getNewReplicaSet: the condition of a created or newly found ReplicaSet goes into the Deployment's status first
        List<DeploymentCondition> base = new ArrayList<>(stored.getConditions() == null ? List.of()
                : stored.getConditions().stream().map(c -> new DeploymentConditionBuilder(c).build()).toList());
        if (created) {
            setCondition(base, newCondition(PROGRESSING, "True", "NewReplicaSetCreated", "Created new replica set \"" + rs + "\""));
        } else if (condition(base, PROGRESSING) == null) {
            setCondition(base, newCondition(PROGRESSING, "True", "FoundNewReplicaSet", "Found new replica set \"" + rs + "\""));
        }
        DeploymentStatus old = new DeploymentStatusBuilder(stored).withConditions(base).build();

        // calculateStatus (from the pods themselves: the fixture keeps no ReplicaSet status)
        List<String> owners = sets.stream().map(set -> set.getMetadata().getName()).toList();
        List<Pod> all = client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getMetadata().getOwnerReferences() != null
                        && p.getMetadata().getOwnerReferences().stream().anyMatch(o -> owners.contains(o.getName())))
                .toList();
        int specReplicas = sets.stream().mapToInt(set -> count(set.getSpec().getReplicas())).sum();
        int updated = (int) all.stream().filter(p -> p.getMetadata().getOwnerReferences().stream().anyMatch(o -> o.getName().equals(rs))).count();
        int ready = (int) all.stream().filter(MockCluster::ready).count();
        int available = ready;
        List<DeploymentCondition> conditions = new ArrayList<>(base.stream().map(c -> new DeploymentConditionBuilder(c).build()).toList());
        if (available >= desired - maxUnavailable(d, desired)) {
            setCondition(conditions, newCondition(AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability."));
        } else {
            setCondition(conditions, newCondition(AVAILABLE, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
        }
        DeploymentStatus next = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(all.size()).withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(available)
                .withUnavailableReplicas(Math.max(0, specReplicas - available)).withConditions(conditions).build();

        // syncRolloutStatus
        DeploymentCondition currentCond = condition(old.getConditions(), PROGRESSING);
        boolean completeDeployment = count(next.getReplicas()) == count(next.getUpdatedReplicas()) && currentCond != null
                && NEW_RS_AVAILABLE.equals(currentCond.getReason());
        if (!completeDeployment) {
            if (complete(d, next, desired)) {
                setCondition(next.getConditions(), newCondition(PROGRESSING, "True", NEW_RS_AVAILABLE,
                        "ReplicaSet \"" + rs + "\" has successfully progressed."));
            } else if (count(next.getUpdatedReplicas()) > count(old.getUpdatedReplicas())
                    || count(next.getReplicas()) - count(next.getUpdatedReplicas()) < count(old.getReplicas()) - count(old.getUpdatedReplicas())
                    || count(next.getAvailableReplicas()) > count(old.getAvailableReplicas())) {
                DeploymentCondition c = newCondition(PROGRESSING, "True", "ReplicaSetUpdated", "ReplicaSet \"" + rs + "\" is progressing.");
                if (currentCond != null) {
                    if ("True".equals(currentCond.getStatus())) {
                        c.setLastTransitionTime(currentCond.getLastTransitionTime());
                    }
                    next.getConditions().removeIf(x -> PROGRESSING.equals(x.getType()));
                }
                setCondition(next.getConditions(), c);
            } else if (timedOut(d, condition(next.getConditions(), PROGRESSING))) {
                setCondition(next.getConditions(), newCondition(PROGRESSING, "False", TIMED_OUT,
                        "ReplicaSet \"" + rs + "\" has timed out progressing."));
            }
        }
        if (next.equals(stored)) {
            requeueStuck(d, currentCond, complete(d, next, desired));
            return;
        }
        Deployment withStatus = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(d).withStatus(next).build();
        try {
            client.apps().deployments().inNamespace(ns).resource(withStatus).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return; // deleted since it was listed: nothing left to report on
            }
            if (e.getCode() != 409) {
                throw e;
            }
            // someone wrote the Deployment since it was listed: the controller's requeue on conflict
            controller.execute(this::reconcile);
        }
    }

    /** {@code DeploymentTimedOut}: the Progressing condition is older than the deadline, or already says so. */
    private static boolean timedOut(Deployment d, DeploymentCondition progressing) {
        if (progressing == null) {
            return false;
        }
        if (TIMED_OUT.equals(progressing.getReason())) {
            return true;
        }
        return Instant.parse(progressing.getLastUpdateTime()).plusSeconds(progressDeadlineSeconds(d)).isBefore(Instant.now());
    }

    /** {@code requeueStuckDeployment}: check a rollout without progress again when its deadline has passed (plus a second). */
    private void requeueStuck(Deployment d, DeploymentCondition progressing, boolean complete) {
        if (progressing == null || complete || TIMED_OUT.equals(progressing.getReason())) {
            return;
        }
        Instant due = Instant.parse(progressing.getLastUpdateTime()).plusSeconds(progressDeadlineSeconds(d));
        long after = Math.max(0, Duration.between(Instant.now(), due).toMillis()) + 1000;
        String key = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        ScheduledFuture<?> pending = progressChecks.get(key);
        if (pending != null && !pending.isDone() && pending.getDelay(TimeUnit.MILLISECONDS) <= after) {
            return;
        }
        progressChecks.put(key, controller.schedule(() -> reconcile(), after, TimeUnit.MILLISECONDS));
    }

    /** The EndpointSlice controller: one slice per Service with its selected pods, ready or not. */
    private void endpointSlice(io.fabric8.kubernetes.api.model.Service svc) {
        String ns = svc.getMetadata().getNamespace();
        if (svc.getSpec().getSelector() == null) {
            return;
        }
        var port = svc.getSpec().getPorts().get(0);
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>();
        Integer target = null;
        for (Pod p : client.pods().inNamespace(ns).withLabels(svc.getSpec().getSelector()).list().getItems()) {
            for (var c : p.getSpec().getContainers()) {
                for (var cp : c.getPorts() == null ? List.<io.fabric8.kubernetes.api.model.ContainerPort>of() : c.getPorts()) {
                    if (port.getTargetPort() != null && cp.getName() != null && cp.getName().equals(port.getTargetPort().getStrVal())) {
                        target = cp.getContainerPort();
                    }
                }
            }
            endpoints.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder().withAddresses(p.getStatus().getPodIP())
                    .withNewConditions().withReady(ready(p)).endConditions()
                    .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(ns).endTargetRef().build());
        }
        var slice = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder().withNewMetadata()
                .withName(svc.getMetadata().getName() + "-slice").withNamespace(ns)
                .addToLabels("kubernetes.io/service-name", svc.getMetadata().getName())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service").withName(svc.getMetadata().getName())
                        .withUid(svc.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints)
                .addNewPort().withName(port.getName()).withPort(target == null ? port.getPort() : target).withProtocol(port.getProtocol()).endPort()
                .build();
        var existing = client.discovery().v1().endpointSlices().inNamespace(ns).withName(slice.getMetadata().getName()).get();
        if (existing == null) {
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).create();
        } else if (!Objects.equals(existing.getEndpoints(), slice.getEndpoints())) {
            slice.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).update();
        }
    }

    private List<Pod> pods(String ns, String owner) {
        return client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getOwnerReferences() != null && p.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> o.getName().equals(owner)))
                .toList();
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean failing(PodTemplateSpec t) {
        return t.getSpec().getContainers().stream().anyMatch(c -> c.getEnv() != null && c.getEnv().stream()
                .anyMatch(e -> "FAIL".equals(e.getName()) && "1".equals(e.getValue())));
    }

    private void ensurePods(String ns, String owner, PodTemplateSpec template, int count, HasMetadata ownerObject, boolean runToCompletion,
            String templateHash) {
        List<Pod> pods = new ArrayList<>(pods(ns, owner));
        if (templateHash != null && ownerObject instanceof DaemonSet) {
            for (Pod p : List.copyOf(pods)) {
                if (!templateHash.equals(p.getMetadata().getLabels().get("pod-template-hash"))) {
                    client.pods().inNamespace(ns).resource(p).delete();
                    pods.remove(p);
                }
            }
        }
        while (pods.size() > count) {
            Pod p = pods.remove(pods.size() - 1);
            client.pods().inNamespace(ns).resource(p).delete();
        }
        boolean failing = failing(template);
        while (pods.size() < count) {
            Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
            if (templateHash != null) {
                labels.put("pod-template-hash", templateHash);
            }
            String phase = runToCompletion ? (failing ? "Failed" : "Succeeded") : "Running";
            Pod pod = new PodBuilder().withNewMetadata().withName(owner + "-" + Integer.toHexString(ips.get() * 7919))
                    .withNamespace(ns).withLabels(labels)
                    .withOwnerReferences(new OwnerReferenceBuilder().withKind(ownerObject.getKind()).withApiVersion(ownerObject.getApiVersion())
                            .withName(owner).withUid(ownerObject.getMetadata().getUid()).build())
                    .endMetadata()
                    .withSpec(Serialization.clone(template.getSpec()))
                    .editSpec().withNodeName("node-1").endSpec()
                    .withNewStatus().withPhase(phase).withPodIP("10.0.0." + ips.getAndIncrement()).withStartTime(Instant.now().toString())
                    .addNewCondition().withType("Ready").withStatus(!failing && !runToCompletion ? "True" : "False").endCondition()
                    .endStatus().build();
            boolean crashes = !runToCompletion && restartsAlways(template) && template.getSpec().getContainers().stream()
                    .anyMatch(c -> exitCode(c) != null);
            if (crashes) {
                ranAndExited(pod);
            }
            Pod stored = client.pods().inNamespace(ns).resource(pod).create();
            pods.add(stored);
            if (crashes) {
                // the kubelet restarts a container's first exit at once, later ones after its back-off
                controller.execute(() -> restartExited(ns, stored.getMetadata().getName(), 1));
            }
        }
    }

    private static boolean restartsAlways(PodTemplateSpec t) {
        return t.getSpec().getRestartPolicy() == null || "Always".equals(t.getSpec().getRestartPolicy());
    }

    /** A script that prints lines and then exits: statements separated by {@code ;} or new lines, the last one {@code exit N}. */
    private static final Pattern PRINTS = Pattern.compile("(echo|printf)(\\s.*)?");
    private static final Pattern EXIT = Pattern.compile("exit\\s+(\\d{1,3})");

    /**
     * The exit code of a container that the kubelet would see exit at once, or {@code null} for any other (which, no
     * container running here, is taken to run on). Only one explicit form is read, never shell in general: the command
     * (with its args) is {@code sh -c SCRIPT} or {@code /bin/sh -c SCRIPT} whose statements, split on {@code ;} and new
     * lines, are {@code echo}/{@code printf} lines and end with {@code exit N}.
     */
    static Integer exitCode(Container c) {
        List<String> argv = new ArrayList<>(c.getCommand() == null ? List.of() : c.getCommand());
        argv.addAll(c.getArgs() == null ? List.of() : c.getArgs());
        if (argv.size() != 3 || !List.of("sh", "/bin/sh").contains(argv.get(0)) || !argv.get(1).equals("-c")) {
            return null;
        }
        List<String> statements = java.util.Arrays.stream(argv.get(2).split("[;\\n]")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        if (statements.isEmpty()) {
            return null;
        }
        var exit = EXIT.matcher(statements.get(statements.size() - 1));
        boolean prints = statements.subList(0, statements.size() - 1).stream().allMatch(x -> PRINTS.matcher(x).matches());
        return exit.matches() && prints ? Integer.valueOf(exit.group(1)) : null;
    }

    private static ContainerState terminated(int exitCode, String startedAt, String finishedAt) {
        return new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                .withStartedAt(startedAt).withFinishedAt(finishedAt).endTerminated().build();
    }

    /**
     * The status the kubelet reports for a pod whose container has just run and exited for the first time: the container
     * {@code terminated}, not ready, not restarted yet; the pod Running (restartPolicy Always) and not Ready.
     */
    private static void ranAndExited(Pod pod) {
        String now = now();
        List<ContainerStatus> statuses = new ArrayList<>();
        List<String> unready = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            Integer exit = exitCode(c);
            ContainerStatusBuilder cs = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID("")
                    .withRestartCount(0).withReady(exit == null).withStarted(exit == null);
            if (exit == null) {
                cs.withNewState().withNewRunning().withStartedAt(now).endRunning().endState();
            } else {
                cs.withState(terminated(exit, now, now));
                unready.add(c.getName());
            }
            statuses.add(cs.build());
        }
        String message = "containers with unready status: [" + String.join(" ", unready) + "]";
        pod.getStatus().setConditions(List.of(
                new PodConditionBuilder().withType("Ready").withStatus("False").withReason("ContainersNotReady").withMessage(message)
                        .withLastTransitionTime(now).build(),
                new PodConditionBuilder().withType("ContainersReady").withStatus("False").withReason("ContainersNotReady").withMessage(message)
                        .withLastTransitionTime(now).build()));
        pod.getStatus().setContainerStatuses(statuses);
    }

    /** The kubelet's container restart back-off after the {@code restarts}-th restart: 10 s doubling, at most 5 min. */
    static Duration backOff(int restarts) {
        long seconds = 10L << Math.min(restarts - 1, 10);
        return Duration.ofSeconds(Math.min(seconds, 300));
    }

    /** A duration as Go's {@code time.Duration.String} prints whole seconds: {@code 10s}, {@code 1m20s}, {@code 5m0s}. */
    static String goDuration(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + "s" : (s / 60) + "m" + (s % 60) + "s";
    }

    /**
     * The kubelet restarts the exited containers of a pod for the {@code restarts}-th time; they exit again at once, and
     * wait in CrashLoopBackOff for the back-off before the next restart. Stops when the pod is gone.
     */
    private synchronized void restartExited(String ns, String name, int restarts) {
        try {
            Pod p = client.pods().inNamespace(ns).withName(name).get();
            if (p == null || p.getMetadata().getDeletionTimestamp() != null || p.getStatus() == null
                    || p.getStatus().getContainerStatuses() == null) {
                return;
            }
            Duration backOff = backOff(restarts);
            String now = now();
            for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
                Container c = p.getSpec().getContainers().stream().filter(x -> x.getName().equals(cs.getName())).findFirst().orElseThrow();
                Integer exit = exitCode(c);
                if (exit == null) {
                    continue;
                }
                cs.setRestartCount(restarts);
                cs.setReady(false);
                cs.setStarted(false);
                cs.setLastState(terminated(exit, now, now));
                cs.setState(new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                        .withMessage("back-off " + goDuration(backOff) + " restarting failed container=" + c.getName() + " pod=" + name + "_" + ns
                                + "(" + p.getMetadata().getUid() + ")")
                        .endWaiting().build());
            }
            client.pods().inNamespace(ns).resource(p).updateStatus();
            controller.schedule(() -> restartExited(ns, name, restarts + 1), backOff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            if (!controller.isShutdown()) {
                System.err.println("mock kubelet: " + e);
            }
        }
    }

    @Override
    public void close() {
        watches.forEach(Watch::close);
        controller.shutdownNow();
        client.close();
        server.destroy();
    }
}
