package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Orchestrator;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ContractWorkloads;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Container workloads for the mock cluster; {@code FAIL=1} makes the fixture report the pod not ready, and a command
 * {@code sh -c "echo …; exit N"} makes its kubelet run the container into CrashLoopBackOff.
 */
final class KubernetesWorkloads implements ContractWorkloads {
    private final KubernetesClient client;

    KubernetesWorkloads(KubernetesClient client) {
        this.client = client;
    }

    static TaskSpec.Builder server(int generation) {
        return TaskSpec.builder("server").image("localhost/baton-test:1")
                .env("GENERATION", Integer.toString(generation))
                .port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
    }

    static JobSpec service(String name, int count, TaskSpec task, UpdatePolicy update) {
        return JobSpec.builder(name)
                .group(GroupSpec.builder("web").count(count).task(task).service(ServiceSpec.internal(name, "http")).build())
                .update(update).build();
    }

    @Override
    public JobSpec healthyService(String name, int count, int generation) {
        return service(name, count, server(generation).build(), UpdatePolicy.rolling().withParallelism(1));
    }

    @Override
    public JobSpec failingService(String name, int count) {
        return service(name, count, server(99).env("FAIL", "1").build(), UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(3)).withOnFailure(OnFailure.ROLLBACK));
    }

    /**
     * The server task with its command replaced by a shell that prints a line and exits 1, which the fixture's kubelet
     * ({@link MockCluster#exitCode}) runs into CrashLoopBackOff. The same port, HTTP check (so the same readiness probe,
     * which a container that exits at once never passes) and Service as {@link #healthyService}. No restart policy:
     * Kubernetes refuses {@code restart.policy: on-failure} and {@code restart.attempts} on a service (a Deployment's
     * pods restart Always, without limit), so the kubelet's back-off is all there is.
     */
    @Override
    public JobSpec crashingService(String name, int count) {
        return service(name, count, server(97).command("sh", "-c", "echo crashing; exit 1").build(), UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(3)).withOnFailure(OnFailure.ROLLBACK));
    }

    @Override
    public JobSpec serviceWithSecret(String name, String secret, String key) {
        return service(name, 1, server(1).secret(SecretMount.env(secret, key, "PASSWORD")).build(), null)
                .toBuilder().secret(secret).build();
    }

    /** No container runs on the mock: the pod must reference the secret, and the Secret must hold the value. */
    @Override
    public void assertSecretReachedTask(Orchestrator orchestrator, String jobId, String value) {
        Pod pod = client.pods().inNamespace("default").withLabel("baton.dev/job", jobId).list().getItems().get(0);
        var ref = pod.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("PASSWORD"))
                .findFirst().orElseThrow().getValueFrom().getSecretKeyRef();
        var secret = client.secrets().inNamespace("default").withName(ref.getName()).get();
        assertThat(new String(Base64.getDecoder().decode(secret.getData().get(ref.getKey())), StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Override
    public Optional<JobSpec> unsupportedSpec(String name) {
        return Optional.of(JobSpec.builder(name)
                .group(GroupSpec.builder("web").task(TaskSpec.builder("t").command("sleep", "1").build()).build()).build());
    }
}
