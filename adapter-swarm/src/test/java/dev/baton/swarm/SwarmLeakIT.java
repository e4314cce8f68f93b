package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.JobSpec;
import dev.baton.testkit.ProcessResources;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An orchestrator gives back what it took when it is closed, on the real engine: 200 cycles of connect, reads (the
 * raw Engine API and docker-java's typed calls) and close, and 10 of connect, deploy, await, undeploy and close, leave
 * this process with the threads and file descriptors it had (connection pools, event streams and their threads).
 */
class SwarmLeakIT {
    @BeforeAll
    static void engine() {
        SwarmEngineSupport.requireEngine();
    }

    private static Orchestrator connect() {
        return Orchestrators.connect(Target.parse("swarm://unix" + SwarmEngineSupport.SOCKET),
                OrchestratorConfig.builder().environment(Map.of()).build());
    }

    private static void reads() {
        try (Orchestrator o = connect()) {
            o.platform();
            o.hosts();
            o.list(dev.baton.Selector.all());
        }
    }

    private static void deployCycle(JobSpec spec) {
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(120)).outcome()).isEqualTo(Outcome.HEALTHY);
            o.undeploy(spec.name());
        } catch (NotFoundException gone) {
            // undeployed already
        }
    }

    @Test
    void connectionsGiveBackTheirThreadsAndFileDescriptors() throws Exception {
        JobSpec spec = SwarmWorkloads.service("leak-" + Long.toHexString(System.nanoTime() & 0xfffff), 1,
                SwarmWorkloads.server("leak", 1).health(java.util.List.of()).build(),
                dev.baton.model.UpdatePolicy.rolling().withMinHealthyTime(Duration.ofMillis(500)));
        for (int i = 0; i < 3; i++) {
            reads();
        }
        deployCycle(spec);
        ProcessResources.settle(3, Duration.ofMillis(300));
        long fdsBefore = ProcessResources.fileDescriptors();
        int threadsBefore = ProcessResources.threads();

        for (int i = 0; i < 200; i++) {
            reads();
        }
        for (int i = 0; i < 10; i++) {
            deployCycle(spec);
        }
        ProcessResources.settle(3, Duration.ofMillis(300));

        assertThat(ProcessResources.fileDescriptors()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 5);
        assertThat(ProcessResources.threads()).as("threads").isLessThanOrEqualTo(threadsBefore + 3);
    }
}
