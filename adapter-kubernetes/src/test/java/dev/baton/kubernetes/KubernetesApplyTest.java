package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.kubernetes.apiserver.ApiServerDispatcher;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.VolumeAccess;
import dev.baton.model.VolumeMount;
import dev.baton.model.VolumeSpec;
import dev.baton.plan.Change;
import dev.baton.plan.Plan;
import dev.baton.status.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deploys as a real API server takes them: server-side apply with field ownership, immutable fields handled rather
 * than hit, and watches that outlive a 410 Gone, on {@link ApiServerDispatcher} (no controllers run: what is asserted
 * is what the server stored and refused).
 */
class KubernetesApplyTest {
    private ApiServerDispatcher api;
    private KubernetesMockServer server;
    private KubernetesClient other;
    private Orchestrator o;

    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @BeforeEach
    void start() {
        api = new ApiServerDispatcher();
        server = ApiServerDispatcher.start(api);
        other = server.createClient();
        o = Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + server.getPort()),
                OrchestratorConfig.builder().namespace("default").requestTimeout(Duration.ofSeconds(5)).build());
    }

    @AfterEach
    void stop() {
        o.close();
        other.close();
        server.destroy();
    }

    private List<String> writes() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            if (!r.getMethod().equals("GET")) {
                out.add(r.getMethod() + " " + r.getPath());
            }
        }
        return out;
    }

    private static JobSpec batch(int generation) {
        return JobSpec.builder("report").type(JobType.BATCH).group(GroupSpec.builder("run")
                .task(TaskSpec.builder("t").image("localhost/report:1").env("GENERATION", Integer.toString(generation)).build()).build())
                .build();
    }

    private Deployment deployment(String name) {
        return other.apps().deployments().inNamespace("default").withName(name).get();
    }

    @Test
    void aChangedBatchJobIsReplacedAsKubectlReplaceForceDoesAndPlanSaysSo() throws Exception {
        o.deploy(batch(1));
        String firstUid = other.batch().v1().jobs().inNamespace("default").withName("report-run").get().getMetadata().getUid();
        writes();

        Plan plan = o.plan(batch(2));
        assertThat(plan.changes()).extracting(Change::action).containsExactly(Change.Action.REPLACE);
        assertThat(plan.describe()).startsWith("-/+ Job report-run").contains("GENERATION");
        assertThat(writes()).allMatch(w -> w.contains("dryRun=All") || w.isEmpty());

        var second = o.deploy(batch(2));

        assertThat(second.changed()).isTrue();
        assertThat(writes()).containsExactly(
                "DELETE /apis/batch/v1/namespaces/default/jobs/report-run",
                "PATCH /apis/batch/v1/namespaces/default/jobs/report-run?fieldManager=baton");
        var job = other.batch().v1().jobs().inNamespace("default").withName("report-run").get();
        assertThat(job.getMetadata().getUid()).isNotEqualTo(firstUid);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("2"));
        assertThat(o.deploy(batch(2)).changed()).isFalse();
    }

    @Test
    void aServiceAndADeploymentAreUpdatedInPlaceKeepingTheAllocatedClusterIp() throws Exception {
        JobSpec v1 = KubernetesWorkloads.service("shop", 2, KubernetesWorkloads.server(1).build(), null);
        o.deploy(v1);
        String clusterIp = other.services().inNamespace("default").withName("shop").get().getSpec().getClusterIP();
        assertThat(clusterIp).isNotBlank();
        writes();

        JobSpec v2 = KubernetesWorkloads.service("shop", 2, KubernetesWorkloads.server(2).build(), null)
                .withGroup("web", g -> g.toBuilder().services(List.of(ServiceSpec.published("shop", "http", 30080))).build());
        var update = o.deploy(v2);

        assertThat(update.changed()).isTrue();
        assertThat(writes()).containsExactly(
                "PATCH /apis/apps/v1/namespaces/default/deployments/shop-web?fieldManager=baton",
                "PATCH /api/v1/namespaces/default/services/shop?fieldManager=baton");
        var svc = other.services().inNamespace("default").withName("shop").get();
        assertThat(svc.getSpec().getClusterIP()).isEqualTo(clusterIp);
        assertThat(svc.getSpec().getType()).isEqualTo("NodePort");
        assertThat(deployment("shop-web").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("2"));
    }

    @Test
    void replicasAnAutoscalerOwnsSurviveARedeployAndAreNotScaledOver() throws Exception {
        o.deploy(KubernetesWorkloads.service("scaled", 2, KubernetesWorkloads.server(1).build(), null));
        // what the HorizontalPodAutoscaler does: write the scale subresource, as another field manager
        other.apps().deployments().inNamespace("default").withName("scaled-web").scale(5);
        writes();

        var redeploy = o.deploy(KubernetesWorkloads.service("scaled", 2, KubernetesWorkloads.server(2).build(), null));

        assertThat(redeploy.changed()).isTrue();
        Deployment d = deployment("scaled-web");
        assertThat(d.getSpec().getReplicas()).isEqualTo(5);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).anySatisfy(e -> assertThat(e.getValue()).isEqualTo("2"));
        assertThatThrownBy(() -> o.scale("scaled", "web", 3)).isInstanceOf(ConflictException.class)
                .hasMessageContaining(".spec.replicas").hasMessageContaining("fabric8-kubernetes-client");
        assertThat(deployment("scaled-web").getSpec().getReplicas()).isEqualTo(5);
    }

    @Test
    void aFieldAnotherManagerOwnsIsAConflictUnlessForced() throws Exception {
        JobSpec v1 = KubernetesWorkloads.service("owned", 1, KubernetesWorkloads.server(1).build(), null);
        o.deploy(v1);
        // another tool applies its own image to Baton's container, taking the field over
        Deployment theirs = new DeploymentBuilder().withNewMetadata().withName("owned-web").withNamespace("default").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("server").withImage("registry/ops:2")
                .endContainer().endSpec().endTemplate().endSpec().build();
        other.apps().deployments().inNamespace("default").resource(theirs).fieldManager("ops").forceConflicts().serverSideApply();
        writes();

        assertThatThrownBy(() -> o.deploy(v1)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("conflict with \"ops\"").hasMessageContaining(".spec.template.spec.containers[name=\"server\"].image")
                .hasMessageContaining("--force");
        assertThat(deployment("owned-web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("registry/ops:2");

        var forced = o.deploy(v1, DeployOptions.DEFAULT.withForce(true));

        assertThat(forced.changed()).isTrue();
        assertThat(writes()).contains("PATCH /apis/apps/v1/namespaces/default/deployments/owned-web?fieldManager=baton&force=true");
        assertThat(deployment("owned-web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("localhost/baton-test:1");
    }

    @Test
    void anImmutableClaimChangeIsRefusedByPlanAndDeployWithItsPathBeforeAnythingIsSent() throws Exception {
        JobSpec single = JobSpec.builder("db").volume(new VolumeSpec("data", null, VolumeAccess.SINGLE_HOST))
                .group(GroupSpec.builder("web").task(KubernetesWorkloads.server(1).volume(VolumeMount.of("data", "/var/data")).build()).build())
                .build();
        o.deploy(single);
        writes();
        JobSpec shared = single.toBuilder().volumes(List.of(new VolumeSpec("data", null, VolumeAccess.MULTI_HOST))).build();

        Plan plan = o.plan(shared);

        assertThat(plan.unsupported()).extracting(u -> u.path()).containsExactly("volumes[0].access");
        assertThat(plan.unsupported().get(0).reason()).contains("PersistentVolumeClaim").contains("spec.accessModes");
        assertThatThrownBy(() -> o.deploy(shared)).isInstanceOf(UnsupportedCapabilityException.class)
                .hasMessageContaining("volumes[0].access");
        assertThat(writes()).allMatch(w -> w.contains("dryRun=All"));
        assertThat(other.persistentVolumeClaims().inNamespace("default").withName("db-data").get().getSpec().getAccessModes())
                .containsExactly("ReadWriteOnce");
    }

    @Test
    void aWatchEndedWith410GoneListsThePodsAgainAndGoesOn() throws Exception {
        o.deploy(KubernetesWorkloads.service("watched", 1, KubernetesWorkloads.server(1).build(), null));
        List<Event> events = new CopyOnWriteArrayList<>();
        try (var sub = o.watch("watched", events::add)) {
            other.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("watched-web-a").withNamespace("default")
                    .addToLabels("baton.dev/job", "watched").endMetadata().build()).create();
            awaitEvent(events, "watched-web-a");

            api.compact();
            api.dropWatches();
            other.pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("watched-web-b").withNamespace("default")
                    .addToLabels("baton.dev/job", "watched").endMetadata().build()).create();
            awaitEvent(events, "watched-web-b");
            other.pods().inNamespace("default").withName("watched-web-a").delete();
            awaitEvent(events, "pod deleted");
        }
        assertThat(events).extracting(Event::message).anyMatch(m -> m.contains("too old resource version") || m.contains("listing the pods again"));
    }

    private static void awaitEvent(List<Event> events, String text) throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until) {
            if (events.stream().anyMatch(e -> (e.instance() + " " + e.message()).contains(text))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no event with \"" + text + "\" in " + events);
    }
}
