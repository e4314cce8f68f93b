package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import dev.baton.Orchestrator;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ContractWorkloads;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Workloads for the real Swarm: the test image's server on the host's network (through the {@code swarm} extension),
 * bound to 127.0.0.1 on a port derived from the job name, so no traffic leaves loopback. Replicas on the one node share
 * the port (the server sets SO_REUSEPORT). The health check is an exec check that asks the server over loopback and
 * fails while {@code FAIL=1}.
 */
final class SwarmWorkloads implements ContractWorkloads {
    static final Map<String, Object> HOST_NETWORK = Map.of("TaskTemplate", Map.of("Networks", List.of(Map.of("Target", "host"))));
    static final String SECRET_FILE = "/etc/baton/secret";

    private final Supplier<DockerClient> manager;
    private final Function<String, DockerClient> node;

    /** The workloads of the single-node swarm of the host engine: tasks are read and exec'd there. */
    SwarmWorkloads() {
        this(SwarmEngineSupport::client, nodeId -> SwarmEngineSupport.client());
    }

    /**
     * @param manager a client of the swarm's manager, which knows every task
     * @param node a client of the engine of the node with the given id, which runs that node's containers ({@code docker exec})
     */
    SwarmWorkloads(Supplier<DockerClient> manager, Function<String, DockerClient> node) {
        this.manager = manager;
        this.node = node;
    }

    /** A port in 20000..35999 per job name. */
    static int port(String job) {
        return 20000 + Math.floorMod(job.hashCode(), 16000);
    }

    static TaskSpec.Builder server(String job, int generation) {
        int port = port(job);
        return TaskSpec.builder("server").image(SwarmEngineSupport.IMAGE).command("/bin/serve", Integer.toString(port))
                .env("GENERATION", Integer.toString(generation))
                .port(PortSpec.of("http", port))
                .health(new HealthCheck.Exec(List.of("sh", "-c", "wget -q -O /dev/null http://127.0.0.1:" + port + "/ && test \"$FAIL\" != 1"),
                        new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
    }

    static JobSpec service(String name, int count, TaskSpec task, UpdatePolicy update) {
        return JobSpec.builder(name)
                .group(GroupSpec.builder("web").count(count).task(task).service(ServiceSpec.internal(name, "http")).build())
                .update(update)
                .extension("swarm", HOST_NETWORK)
                .build();
    }

    static UpdatePolicy rollingWithRollback() {
        return UpdatePolicy.rolling().withParallelism(1).withMinHealthyTime(Duration.ofSeconds(3)).withOnFailure(OnFailure.ROLLBACK);
    }

    @Override
    public JobSpec healthyService(String name, int count, int generation) {
        return service(name, count, server(name, generation).build(), rollingWithRollback());
    }

    @Override
    public JobSpec failingService(String name, int count) {
        return service(name, count, server(name, 99).env("FAIL", "1").build(), rollingWithRollback());
    }

    /**
     * The test image's shell printing a line and exiting 1, with no health check: without one Swarm reports the task
     * {@code running} the moment its container starts, so only "stayed running for minHealthyTime" tells the crash
     * apart. Restart on-failure with one attempt (Swarm honours {@code RestartPolicy.MaxAttempts}). Swarm refuses
     * {@code healthyDeadline} (feature.UPDATE_HEALTHY_DEADLINE: its update monitor is minHealthyTime), so it is left
     * out; the suite's timeout bounds the wait.
     */
    @Override
    public JobSpec crashingService(String name, int count) {
        TaskSpec task = server(name, 98).command("sh", "-c", "echo crashing; exit 1").health(List.of()).build();
        JobSpec spec = service(name, count, task, rollingWithRollback());
        return spec.withGroup("web", g -> g.toBuilder().restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, null)).build());
    }

    @Override
    public JobSpec serviceWithSecret(String name, String secret, String key) {
        return service(name, 1, server(name, 1).secret(SecretMount.file(secret, key, SECRET_FILE)).build(), null)
                .toBuilder().secret(secret).build();
    }

    /** Reads the secret file inside the task's running container, with {@code docker exec cat}. */
    @Override
    public void assertSecretReachedTask(Orchestrator orchestrator, String jobId, String value) {
        assertThat(readInTask(orchestrator, jobId, SECRET_FILE)).isEqualTo(value);
    }

    /** The content of {@code file} in the job's (first) running task, read with {@code docker exec cat} on the task's node. */
    String readInTask(Orchestrator orchestrator, String jobId, String file) {
        String taskId = orchestrator.status(jobId).instances().stream().filter(i -> i.state() == dev.baton.status.InstanceState.RUNNING)
                .findFirst().orElseThrow().id();
        return execInTask(taskId, "cat", file);
    }

    /** Runs a command in the container of task {@code taskId} on the task's own node; its output, stdout and stderr. */
    String execInTask(String taskId, String... command) {
        String nodeId;
        String container;
        try (DockerClient m = manager.get()) {
            var task = m.listTasksCmd().withIdFilter(taskId).exec().get(0);
            nodeId = task.getNodeId();
            container = task.getStatus().getContainerStatus().getContainerID();
        } catch (Exception e) {
            throw new AssertionError("could not find task " + taskId + ": " + e, e);
        }
        try (DockerClient docker = node.apply(nodeId)) {
            String exec = docker.execCreateCmd(container).withCmd(command).withAttachStdout(true).withAttachStderr(true).exec().getId();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            docker.execStartCmd(exec).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame f) {
                    out.writeBytes(f.getPayload());
                }
            }).awaitCompletion(30, TimeUnit.SECONDS);
            return out.toString(StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new AssertionError("could not run " + List.of(command) + " in task " + taskId + " on node " + nodeId + ": " + e, e);
        }
    }

    @Override
    public Optional<JobSpec> unsupportedSpec(String name) {
        return Optional.of(service(name, 1, server(name, 1).health(HealthCheck.http("http", "/")).build(), null));
    }
}
