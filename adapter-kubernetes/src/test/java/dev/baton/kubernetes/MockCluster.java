package dev.baton.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * fabric8's Kubernetes mock API server in CRUD mode on 127.0.0.1, plus a stand-in for the controllers it does not
 * run. The mock stores objects and serves lists and watches; this fixture plays the Deployment, ReplicaSet, Job
 * and DaemonSet controllers and the kubelet, reacting to watch events (not polling):
 * <ul>
 * <li>a Deployment gets a ReplicaSet per pod template (with the revision annotation and the Deployment's annotations,
 * as the real controller copies them); the new one is scaled to the replica count, the old ones keep as many pods
 * as the new one lacks ready ones (RollingUpdate with maxUnavailable 0);</li>
 * <li>pods are bound to the one node {@code node-1}, Running, and Ready unless a container's environment has
 * {@code FAIL=1} (the stand-in for a failing readiness probe: no container runs here);</li>
 * <li>a Job's pods end Succeeded (or Failed with {@code FAIL=1}); a DaemonSet gets one pod on the node;</li>
 * <li>each Service gets an EndpointSlice of the pods it selects, with their readiness (the EndpointSlice controller).</li>
 * </ul>
 * Not reproduced: scheduling, resource accounting, probes themselves, rollout pacing (surge, minReadySeconds,
 * progress deadlines), server-side apply and field ownership, admission and validation.
 */
final class MockCluster implements AutoCloseable {
    /** Held so the level sticks: the mock server logs every request at INFO through java.util.logging. */
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    final KubernetesMockServer server;
    final KubernetesClient client;
    private final ExecutorService controller = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-controller");
        t.setDaemon(true);
        return t;
    });
    private final List<Watch> watches = new ArrayList<>();
    private final AtomicInteger ips = new AtomicInteger(10);

    MockCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new DryRunCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
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

    private void watch(Watch w) {
        watches.add(w);
    }

    private <T extends HasMetadata> Watcher<T> trigger() {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                controller.execute(() -> reconcile());
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
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
            System.err.println("mock controller: " + e);
        }
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
                .addToLabels("kubernetes.io/service-name", svc.getMetadata().getName()).endMetadata()
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
            pods.add(client.pods().inNamespace(ns).resource(pod).create());
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
