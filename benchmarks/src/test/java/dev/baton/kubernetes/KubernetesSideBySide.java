package dev.baton.kubernetes;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.benchmarks.sidebyside.Comparison;
import dev.baton.benchmarks.sidebyside.Laps;
import dev.baton.benchmarks.sidebyside.Platform;
import dev.baton.benchmarks.sidebyside.Side;
import dev.baton.model.JobSpec;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kubernetes: fabric8's mock API server with the adapter's {@link MockCluster} (the controllers, kubelet, EndpointSlice
 * controller and garbage collector it stands in for), Baton ({@code kubernetes://} at the mock) against a fabric8 user
 * who server-side applies the same Deployment and Service Baton renders, watches until the rollout is complete and the
 * Service's EndpointSlices list every pod ready, and deletes both (propagation Background), on the same fabric8
 * transport as Baton's (OkHttp). Requests are counted with {@link RequestLog}, as {@code KubernetesRequestBudgetTest}
 * counts them: everything but the fixture's own, a watch as the one request that opens it.
 */
public final class KubernetesSideBySide implements Platform {
    private static final String NS = "default";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int REPLICAS = 2;

    private final MockCluster cluster;
    private final RequestLog log;
    private final Orchestrator baton;
    private final KubernetesClient fabric8;
    private final Side.RequestCount counted;

    public KubernetesSideBySide() {
        cluster = new MockCluster();
        log = new RequestLog(cluster.server);
        baton = Orchestrators.connect(Target.parse("kubernetes://" + cluster.url()),
                OrchestratorConfig.builder().namespace(NS).requestTimeout(Duration.ofSeconds(10)).build());
        // the transport Baton's clients use (KubernetesProvider names it), so that the two sides differ only above it
        fabric8 = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(cluster.url())
                .withNamespace(NS).withRequestTimeout(10_000).build()).withHttpClientFactory(new OkHttpClientFactory()).build();
        counted = new Side.RequestCount() {
            @Override
            public void reset() throws InterruptedException {
                log.settle();
            }

            @Override
            public int count() throws InterruptedException {
                return log.settle().size();
            }
        };
    }

    /** The job both sides deploy: one group of two replicas of a server with an HTTP check, and one Service. */
    static JobSpec spec(String name) {
        return new KubernetesWorkloads(null).healthyService(name, REPLICAS, 1);
    }

    /** What Baton renders for the job, as fabric8 objects: what the native client's user applies. */
    private List<HasMetadata> objects(String name) {
        String yaml = baton.render(spec(name)).content();
        return fabric8.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    @Override
    public List<Comparison> comparisons() {
        Baseline baseline = new Baseline();
        Laps batonLaps = new Laps();
        Laps nativeLaps = new Laps();
        Comparison full = new Comparison("Kubernetes (mock + controller fixture): deploy + await healthy + undeploy",
                Side.batonCycle(baton, round -> spec("bench-b-" + round), TIMEOUT, counted, batonLaps),
                new Side(round -> {
                    List<HasMetadata> objects = objects("bench-n-" + round);
                    return () -> {
                        nativeLaps.start();
                        apply(objects);
                        nativeLaps.lap("apply");
                        awaitReady(objects);
                        nativeLaps.lap("watch");
                        delete(objects);
                        nativeLaps.lap("delete");
                    };
                }, counted, nativeLaps),
                baseline::record, baseline::await, null);
        Comparison writes = new Comparison("Kubernetes: deploy (no await) + undeploy",
                new Side(round -> {
                    JobSpec s = spec("bench-wb-" + round);
                    return () -> {
                        baton.deploy(s);
                        baton.undeploy(s.name());
                    };
                }, counted),
                new Side(round -> {
                    List<HasMetadata> objects = objects("bench-wn-" + round);
                    return () -> {
                        apply(objects);
                        delete(objects);
                    };
                }, counted),
                baseline::record, baseline::await, null);
        JobSpec standingBaton = spec("bench-rb");
        List<HasMetadata> standingNative = objects("bench-rn");
        Comparison redeploy = new Comparison("Kubernetes: unchanged redeploy (no await)",
                new Side(round -> () -> {
                    if (baton.deploy(standingBaton).changed()) {
                        throw new IllegalStateException("an unchanged redeploy changed " + standingBaton.name());
                    }
                }, counted),
                new Side(round -> () -> apply(standingNative), counted),
                () -> {
                    var result = baton.deploy(standingBaton).await(TIMEOUT);
                    if (result.outcome() != Outcome.HEALTHY) {
                        throw new IllegalStateException(standingBaton.name() + ": " + result.outcome() + " " + result.message());
                    }
                    apply(standingNative);
                    awaitReady(standingNative);
                    baseline.record();
                },
                baseline::await,
                () -> {
                    baton.undeploy(standingBaton.name());
                    delete(standingNative);
                });
        return List.of(full, writes, redeploy);
    }

    private void apply(List<HasMetadata> objects) {
        for (HasMetadata o : objects) {
            fabric8.resource(o).fieldManager("bench-native").forceConflicts().serverSideApply();
        }
    }

    private void delete(List<HasMetadata> objects) {
        for (HasMetadata o : objects) {
            fabric8.resource(o).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        }
    }

    private static <T> T one(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).findFirst().orElseThrow();
    }

    /**
     * What a fabric8 user writes to wait for a Service to be ready: a watch of the Deployment until its rollout is
     * complete (as {@code kubectl rollout status}: the current generation observed, every replica updated and available,
     * no old one left) and one of the Service's EndpointSlices until they list every replica ready, both opened at once.
     */
    private void awaitReady(List<HasMetadata> objects) throws InterruptedException {
        Deployment d = one(objects, Deployment.class);
        Service svc = one(objects, Service.class);
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        CountDownLatch ready = new CountDownLatch(2);
        AtomicBoolean rolledOut = new AtomicBoolean();
        AtomicBoolean endpoints = new AtomicBoolean();
        Map<String, Integer> readyBySlice = new ConcurrentHashMap<>();
        try (Watch deployment = fabric8.apps().deployments().inNamespace(NS).withName(d.getMetadata().getName()).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment live) {
                if (action != Action.DELETED && rolledOut(live, replicas) && rolledOut.compareAndSet(false, true)) {
                    ready.countDown();
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        }); Watch slices = fabric8.discovery().v1().endpointSlices().inNamespace(NS)
                .withLabel("kubernetes.io/service-name", svc.getMetadata().getName()).watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, EndpointSlice s) {
                        if (action == Action.DELETED) {
                            readyBySlice.remove(s.getMetadata().getName());
                        } else {
                            readyBySlice.put(s.getMetadata().getName(), (int) s.getEndpoints().stream()
                                    .filter(e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())).count());
                        }
                        if (readyBySlice.values().stream().mapToInt(Integer::intValue).sum() >= replicas && endpoints.compareAndSet(false, true)) {
                            ready.countDown();
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                })) {
            if (!ready.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(d.getMetadata().getName() + " not ready after " + TIMEOUT + " (rolled out: "
                        + rolledOut + ", endpoints ready: " + endpoints + ")");
            }
        }
    }

    private static boolean rolledOut(Deployment d, int replicas) {
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return false;
        }
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        long observed = s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
        return observed >= generation && Objects.equals(s.getUpdatedReplicas(), replicas) && Objects.equals(s.getReplicas(), replicas)
                && Objects.equals(s.getAvailableReplicas(), replicas);
    }

    /**
     * How many pods, ReplicaSets and EndpointSlices the namespace holds between runs, so that each run starts after the
     * garbage collector and the controllers have finished with the one before (read with the fixture's own client, whose
     * requests are not counted).
     */
    private final class Baseline {
        private volatile List<Integer> counts;

        void record() throws InterruptedException {
            counts = now();
        }

        void await() throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!now().equals(counts)) {
                if (System.nanoTime() > until) {
                    System.err.println("  (the mock cluster did not settle in 10 s: " + now() + ", expected " + counts + ")");
                    return;
                }
                Thread.sleep(10);
            }
        }

        private List<Integer> now() {
            KubernetesClient c = cluster.client;
            return List.of(c.pods().inNamespace(NS).list().getItems().size(),
                    c.apps().replicaSets().inNamespace(NS).list().getItems().size(),
                    c.discovery().v1().endpointSlices().inNamespace(NS).list().getItems().size(),
                    c.apps().deployments().inNamespace(NS).list().getItems().size(),
                    c.services().inNamespace(NS).list().getItems().size());
        }
    }

    @Override
    public void close() {
        baton.close();
        fabric8.close();
        cluster.close();
    }
}
