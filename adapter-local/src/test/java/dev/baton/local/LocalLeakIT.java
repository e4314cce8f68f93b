package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.local.internal.RemoteBackend;
import dev.baton.model.JobSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ProcessResources;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connections and embedded supervisors give back their threads and file descriptors when they are closed. */
class LocalLeakIT {
    @TempDir
    Path state;

    @AfterEach
    void shutdown() {
        new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
    }

    @Test
    void twoHundredConnectDeployAwaitCloseCyclesThroughTheDaemonLeakNothing() throws Exception {
        OrchestratorConfig config = OrchestratorConfig.builder().property("local.stateDir", state.toString()).build();
        JobSpec spec = LocalWorkloads.sleeper("steady", 1, 1).toBuilder().update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ZERO)).build();
        for (int i = 0; i < 5; i++) {
            try (Orchestrator o = Orchestrators.connect(Target.parse("local://"), config)) {
                assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
            }
        }
        ProcessResources.settle(1, Duration.ofMillis(200));
        long fdsBefore = ProcessResources.fileDescriptors();
        int threadsBefore = ProcessResources.threads();

        for (int i = 0; i < 200; i++) {
            try (Orchestrator o = Orchestrators.connect(Target.parse("local://"), config)) {
                assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
                o.status("steady");
            }
        }
        ProcessResources.settle(1, Duration.ofMillis(200));

        assertThat(ProcessResources.fileDescriptors()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 5);
        assertThat(ProcessResources.threads()).as("threads").isLessThanOrEqualTo(threadsBefore + 3);
    }

    @Test
    void twoHundredEmbeddedSupervisorsLeaveNothingBehind() throws Exception {
        JobSpec empty = LocalWorkloads.sleeper("idle", 0, 1);
        for (int i = 0; i < 5; i++) {
            try (Orchestrator o = Orchestrators.connect(Target.parse("local://embedded"), OrchestratorConfig.defaults())) {
                o.deploy(empty).await(Duration.ofSeconds(30));
            }
        }
        ProcessResources.settle(1, Duration.ofMillis(200));
        long fdsBefore = ProcessResources.fileDescriptors();
        int threadsBefore = ProcessResources.threads();

        for (int i = 0; i < 200; i++) {
            try (Orchestrator o = Orchestrators.connect(Target.parse("local://embedded"), OrchestratorConfig.defaults())) {
                assertThat(o.deploy(empty).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
            }
        }
        ProcessResources.settle(1, Duration.ofMillis(200));

        assertThat(ProcessResources.fileDescriptors()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 5);
        assertThat(ProcessResources.threads()).as("threads").isLessThanOrEqualTo(threadsBefore + 3);
    }
}
