package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.JobSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.status.Health;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code await} and {@code status} conclude from what the controllers and the kubelet write. The CRUD mock runs no
 * controllers and no {@link MockCluster} here: each test writes the pods, EndpointSlices and Deployment status itself, as
 * the ReplicaSet, EndpointSlice and Deployment controllers and the kubelet would (field names and reasons from
 * kubernetes/kubernetes {@code pkg/controller/deployment/progress.go} and {@code pkg/kubelet}), at the moment it chooses.
 */
class KubernetesAwaitTest {
    private static final String NS = "default";
    private KubernetesMockServer server;
    private KubernetesClient client;

    static {
        MockCluster.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new dev.baton.kubernetes.apiserver.ApiServerDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private Orchestrator connect() {
        return Orchestrators.connect(Target.parse("kubernetes://http://127.0.0.1:" + server.getPort()),
                OrchestratorConfig.builder().namespace(NS).requestTimeout(Duration.ofSeconds(5)).build());
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(NS).withName("app-web").get();
    }

    /** A pod of the Deployment's current template, in the ReplicaSet {@code app-web-<hash>}, as the kubelet reports it. */
    private Pod pod(String name, String hash, boolean ready, boolean crashLooping) {
        Map<String, String> labels = new HashMap<>(deployment().getSpec().getTemplate().getMetadata().getLabels());
        labels.put("pod-template-hash", hash);
        var status = new ContainerStatusBuilder().withName("server").withImage("localhost/baton-test:1").withImageID("")
                .withReady(ready).withStarted(ready).withRestartCount(crashLooping ? 3 : 0);
        if (crashLooping) {
            status.withNewState().withNewWaiting().withReason("CrashLoopBackOff")
                    .withMessage("back-off 40s restarting failed container=server pod=" + name + "_default(uid)").endWaiting().endState()
                    .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endLastState();
        } else {
            status.withNewState().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().endState();
        }
        return client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels)
                .endMetadata()
                .withSpec(deployment().getSpec().getTemplate().getSpec()).editSpec().withNodeName("node-1").endSpec()
                .withNewStatus().withPhase("Running").withPodIP("10.0.0." + (name.hashCode() & 0x7f))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .addToContainerStatuses(status.build()).endStatus().build()).create();
    }

    /** The Deployment controller's status after {@code progressDeadlineSeconds} without progress of ReplicaSet {@code rs}. */
    private void progressDeadlineExceeded(String rs) {
        Deployment d = deployment();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder(d).withNewStatus()
                .withObservedGeneration(d.getMetadata().getGeneration()).withReplicas(1).withUpdatedReplicas(1).withUnavailableReplicas(1)
                .addNewCondition().withType("Available").withStatus("False").withReason("MinimumReplicasUnavailable")
                .withMessage("Deployment does not have minimum availability.").withLastUpdateTime(now).withLastTransitionTime(now).endCondition()
                .addNewCondition().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"" + rs + "\" has timed out progressing.").withLastUpdateTime(now).withLastTransitionTime(now)
                .endCondition()
                .endStatus().build()).updateStatus();
    }

    private static JobSpec crashing() {
        // no healthyDeadline: only the Deployment controller's verdict ends it, after progressDeadlineSeconds (600 s by
        // default; 2 s here, set through the spec's Kubernetes extension, so that the test need not wait 10 minutes)
        return KubernetesWorkloads.service("app", 1, KubernetesWorkloads.server(1).command("sh", "-c", "echo crashing; exit 1").build(),
                UpdatePolicy.rolling().withParallelism(1)).toBuilder()
                .extension("kubernetes", Map.of("spec", Map.of("progressDeadlineSeconds", 2))).build();
    }

    @Test
    void aRolloutTheDeploymentControllerGaveUpOnEndsFailedAndTheJobIsReportedFailed() {
        try (Orchestrator o = connect()) {
            var deployment = o.deploy(crashing());
            assertThat(deployment().getSpec().getProgressDeadlineSeconds()).isEqualTo(2);
            pod("app-web-5d8f-a1", "5d8f", false, true);
            assertThat(o.status("app").state()).isEqualTo(JobState.DEPLOYING);

            // the controller gives up once the rollout has made no progress for progressDeadlineSeconds, while Baton
            // waits: the Deployment watch, opened when that verdict can first come, must bring it in
            CompletableFuture.runAsync(() -> progressDeadlineExceeded("app-web-5d8f"), CompletableFuture.delayedExecutor(2_100, TimeUnit.MILLISECONDS));
            DeploymentResult result = deployment.await(Duration.ofSeconds(10));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.FAILED);
            assertThat(result.message()).contains("ReplicaSet \"app-web-5d8f\" has timed out progressing")
                    .contains("CrashLoopBackOff").contains("exit code 1");
            JobStatus status = o.status("app");
            assertThat(status.state()).isEqualTo(JobState.FAILED);
            assertThat(status.health()).isEqualTo(Health.UNHEALTHY);
            assertThat(status.instances()).singleElement().satisfies(i -> {
                assertThat(i.isHealthy()).isFalse();
                assertThat(i.exitCode()).isEqualTo(1);
                assertThat(i.restarts()).isEqualTo(3);
            });
        }
    }

    @Test
    void aTimedOutConditionThatNamesAnotherReplicaSetIsNotAVerdictOnTheCurrentOne() {
        try (Orchestrator o = connect()) {
            var deployment = o.deploy(crashing());
            pod("app-web-5d8f-a1", "5d8f", false, false);
            // after a rollback to an older ReplicaSet the controller keeps the timed-out condition of the newer one
            // until the older one is available again (SetDeploymentCondition does not replace a condition with itself)
            progressDeadlineExceeded("app-web-77c4");

            // past the 2 s at which the Deployment watch opens and brings that condition in
            DeploymentResult result = deployment.await(Duration.ofSeconds(3));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(o.status("app").state()).isEqualTo(JobState.DEPLOYING);
        }
    }

    @Test
    void aScaleDownIsHealthyOnlyOnceTheExtraPodsHaveGone() {
        try (Orchestrator o = connect()) {
            o.deploy(new KubernetesWorkloads(null).healthyService("app", 3, 1));
            List<Pod> pods = List.of(pod("app-web-5d8f-a1", "5d8f", true, false), pod("app-web-5d8f-b2", "5d8f", true, false),
                    pod("app-web-5d8f-c3", "5d8f", true, false));
            slice(pods);

            var scaled = o.scale("app", "web", 1);
            // the ReplicaSet controller deletes the two extra pods a moment later
            CompletableFuture.runAsync(() -> {
                pods.subList(1, 3).forEach(p -> client.pods().inNamespace(NS).resource(p).delete());
                slice(pods.subList(0, 1));
            }, CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS));
            DeploymentResult result = scaled.await(Duration.ofSeconds(10));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
            assertThat(result.status().groups().get(0).running()).isEqualTo(1);
            assertThat(o.status("app").instances()).hasSize(1);
        }
    }

    /** The EndpointSlice controller's slice of the Service {@code app} with these (ready) pods. */
    private void slice(List<Pod> pods) {
        String portName = client.services().inNamespace(NS).withName("app").get().getSpec().getPorts().get(0).getName();
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withName("app-slice").withNamespace(NS)
                .addToLabels("kubernetes.io/service-name", "app").endMetadata().withAddressType("IPv4")
                .withEndpoints(pods.stream().map(p -> new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder()
                        .withAddresses(p.getStatus().getPodIP()).withNewConditions().withReady(true).endConditions()
                        .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(NS).endTargetRef().build()).toList())
                .addNewPort().withName(portName).withPort(8080).withProtocol("TCP").endPort().build();
        client.discovery().v1().endpointSlices().inNamespace(NS).resource(slice).createOr(existing -> existing.update());
    }
}
