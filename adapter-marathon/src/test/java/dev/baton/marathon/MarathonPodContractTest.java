package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
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
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract suite with every group a pod ({@code /v2/pods}: a server and a sidecar) against {@link MarathonDouble};
 * afterwards every pod definition sent is checked against Marathon's RAML types.
 */
class MarathonPodContractTest extends OrchestratorContract {
    static MarathonDouble marathon;
    static Orchestrator orchestrator;

    @BeforeAll
    static void start() {
        marathon = new MarathonDouble();
        orchestrator = Orchestrators.connect(Target.parse("marathon://" + marathon.address()),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        orchestrator.close();
        PodRaml raml = PodRaml.load();
        List<String> problems = new ArrayList<>();
        List<JsonNode> sent = marathon.appsSent();
        assertThat(sent).as("pods sent").isNotEmpty().allMatch(p -> p.has("containers"));
        if (raml != null) {
            for (JsonNode pod : sent) {
                problems.addAll(raml.problems(pod));
            }
        }
        marathon.shutdown();
        assertThat(problems).as("pod fields Marathon's RAML types do not declare").isEmpty();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new ContractWorkloads() {
            TaskSpec.Builder server(int generation) {
                return TaskSpec.builder("server").command("/opt/server", "--listen", "$PORT_HTTP")
                        .env("GENERATION", Integer.toString(generation)).resources("100m", "64Mi")
                        .port(PortSpec.dynamic("http"))
                        .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
            }

            JobSpec service(String name, int count, TaskSpec t, UpdatePolicy u) {
                TaskSpec sidecar = TaskSpec.builder("sidecar").command("/opt/sidecar", "--upstream", "$PORT_HTTP").resources("50m", "32Mi")
                        .port(PortSpec.dynamic("metrics")).build();
                return JobSpec.builder(name).group(GroupSpec.builder("web").count(count).task(t).task(sidecar)
                        .service(ServiceSpec.internal(name, "http")).build()).update(u).build();
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
        };
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(30);
    }
}
