package dev.baton.testkit.compat;

import dev.baton.Orchestrator;
import dev.baton.Orchestrators;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A contract subclass as an adapter writes one, over testkit's test provider {@code echo://up}, compiled and run by
 * JUnitCompatibilityTest against each JUnit version it proves. The echo platform deploys nothing, so most cases fail
 * and some skip: what matters is that each case ends as it does on every JUnit version.
 */
class EchoContractTest extends OrchestratorContract {
    static Orchestrator orchestrator;

    @BeforeAll
    static void connect() {
        orchestrator = Orchestrators.connect("echo://up");
    }

    @AfterAll
    static void close() {
        orchestrator.close();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(5);
    }

    @Override
    protected ContractWorkloads workloads() {
        return new ContractWorkloads() {
            @Override
            public JobSpec healthyService(String name, int count, int generation) {
                return JobSpec.builder(name).group(GroupSpec.builder("web").count(count)
                        .task(TaskSpec.builder("server").command("true").env("GENERATION", Integer.toString(generation))
                                .port(PortSpec.dynamic("http")).build())
                        .service(ServiceSpec.internal(name, "http")).build()).build();
            }

            @Override
            public JobSpec failingService(String name, int count) {
                return healthyService(name, count, 99);
            }

            @Override
            public JobSpec crashingService(String name, int count) {
                return healthyService(name, count, 98);
            }

            @Override
            public JobSpec serviceWithSecret(String name, String secret, String key) {
                return healthyService(name, 1, 1);
            }

            @Override
            public void assertSecretReachedTask(Orchestrator o, String jobId, String value) {
                throw new AssertionError("the echo platform has no secrets");
            }

            @Override
            public Optional<JobSpec> unsupportedSpec(String name) {
                return Optional.empty();
            }
        };
    }
}
