package dev.baton.marathon;

import dev.baton.Orchestrator;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ContractWorkloads;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The contract workloads for {@link MarathonDouble}: a process task with a dynamic port and an HTTP check (an app), or,
 * with {@code pods}, the same server beside a sidecar in one group (a pod). {@code FAIL=1} makes the double's checks fail;
 * a command {@code sh -c '…; exit N'} makes its task exit at once, as on an agent.
 */
final class MarathonWorkloads implements ContractWorkloads {
    private final boolean pods;

    MarathonWorkloads(boolean pods) {
        this.pods = pods;
    }

    /** The check runs every 2 s with a 1 s timeout: a pod check's timeout must be below its interval (PodsValidation, v1.10.26). */
    private static TaskSpec.Builder server(int generation) {
        return TaskSpec.builder("server").command("/opt/server", "--listen", "$PORT_HTTP")
                .env("GENERATION", Integer.toString(generation)).resources("100m", "64Mi")
                .port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, null)));
    }

    private JobSpec service(String name, int count, TaskSpec t, UpdatePolicy u) {
        GroupSpec.Builder g = GroupSpec.builder("web").count(count).task(t);
        if (pods) {
            g.task(TaskSpec.builder("sidecar").command("/opt/sidecar", "--upstream", "$PORT_HTTP").resources("50m", "32Mi")
                    .port(PortSpec.dynamic("metrics")).build());
        }
        return JobSpec.builder(name).group(g.service(ServiceSpec.internal(name, "http")).build()).update(u).build();
    }

    @Override
    public JobSpec healthyService(String name, int count, int generation) {
        return service(name, count, server(generation).build(), UpdatePolicy.rolling().withParallelism(1));
    }

    @Override
    public JobSpec failingService(String name, int count) {
        return service(name, count, server(99).env("FAIL", "1").build(), UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(2)).withOnFailure(OnFailure.ROLLBACK));
    }

    /**
     * The server with its command replaced by a shell that prints a line and exits 1 ({@code sh -c 'echo crashing; exit 1'},
     * which the double, like an agent, runs as a task that exits at once with status 1), and with no health check: without
     * one Marathon counts an instance ready at its first {@code TASK_RUNNING} and ends the deployment there, so only
     * "stayed running" tells the crash apart. The same port and service as {@link #healthyService}. No restart policy:
     * Marathon restarts every app instance, without a limit on attempts ({@code feature.RESTART_ATTEMPTS} and restart
     * {@code on-failure} are refused), backing off. {@code onFailure: rollback} and a healthy deadline of 5 s. As a pod,
     * the sidecar still runs beside the server, and the whole instance fails with it (the double's class comment says why).
     */
    @Override
    public JobSpec crashingService(String name, int count) {
        TaskSpec crashing = server(98).command("sh", "-c", "echo crashing; exit 1").health(List.of()).build();
        return service(name, count, crashing, UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(5)).withOnFailure(OnFailure.ROLLBACK));
    }

    @Override
    public JobSpec serviceWithSecret(String name, String secret, String key) {
        throw new UnsupportedOperationException("Marathon has no secret store");
    }

    @Override
    public void assertSecretReachedTask(Orchestrator o, String jobId, String value) {
        throw new UnsupportedOperationException("Marathon has no secret store");
    }

    @Override
    public Optional<JobSpec> unsupportedSpec(String name) {
        return Optional.of(healthyService(name, 1, 1).toBuilder().type(JobType.BATCH).update(null).build());
    }
}
