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
import java.util.Optional;

/**
 * The contract workloads for {@link MarathonDouble}: a process task with a dynamic port and an HTTP check (an app), or,
 * with {@code pods}, the same server beside a sidecar in one group (a pod). {@code FAIL=1} makes the double's checks fail.
 */
final class MarathonWorkloads implements ContractWorkloads {
    private final boolean pods;

    MarathonWorkloads(boolean pods) {
        this.pods = pods;
    }

    private static TaskSpec.Builder server(int generation) {
        return TaskSpec.builder("server").command("/opt/server", "--listen", "$PORT_HTTP")
                .env("GENERATION", Integer.toString(generation)).resources("100m", "64Mi")
                .port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
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
