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
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor daemon killed with SIGKILL: its jobs are not lost. What runs is checked in the operating system's
 * process table, not in Baton's own view.
 */
class SupervisorRecoveryIT {
    @TempDir
    Path state;
    OrchestratorConfig config;

    @BeforeEach
    void config() {
        config = OrchestratorConfig.builder().property("local.stateDir", state.toString()).build();
    }

    @AfterEach
    void shutdown() {
        new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
    }

    Orchestrator connect() {
        return Orchestrators.connect(Target.parse("local://"), config);
    }

    long daemon() {
        return new RemoteBackend(state, Duration.ofSeconds(10)).runningSupervisor().orElseThrow();
    }

    boolean daemonRuns() {
        return new RemoteBackend(state, Duration.ofSeconds(10)).runningSupervisor().isPresent();
    }

    @Test
    void aKilledSupervisorsJobKeepsRunningIsReportedTrulyAndIsTakenBackWithoutDuplicates() throws Exception {
        JobSpec spec = LocalWorkloads.sleeper("adopted", 3, 1);
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        Set<Long> processes = OsProcesses.ofJob("adopted");
        assertThat(processes).hasSize(3);

        OsProcesses.kill9(daemon());

        try (Orchestrator o = connect()) {
            JobStatus seen = o.status("adopted");
            assertThat(daemonRuns()).as("status starts no supervisor").isFalse();
            assertThat(seen.state()).isEqualTo(JobState.RUNNING);
            assertThat(seen.instances()).hasSize(3).allSatisfy(i -> assertThat(i.state()).isEqualTo(InstanceState.RUNNING));
            assertThat(seen.message()).contains("no local supervisor is running");
            assertThat(OsProcesses.ofJob("adopted")).isEqualTo(processes);

            var again = o.deploy(spec);
            assertThat(again.changed()).isFalse();
            assertThat(again.await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(OsProcesses.ofJob("adopted")).isEqualTo(processes);
            assertThat(o.status("adopted").instances()).extracting(InstanceStatus::restarts).containsOnly(0);

            o.undeploy("adopted");
        }
        assertThat(OsProcesses.ofJob("adopted")).isEmpty();
    }

    @Test
    void aSupervisorKilledDuringARolloutFinishesItAfterwards() throws Exception {
        JobSpec spec = LocalWorkloads.sleeper("midway", 2, 1).toBuilder()
                .update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ofSeconds(4))).build();
        try (Orchestrator o = connect()) {
            var d = o.deploy(spec);
            assertThat(d.changed()).isTrue();
            long until = System.currentTimeMillis() + 20_000;
            while (OsProcesses.ofJob("midway").size() < 2 && System.currentTimeMillis() < until) {
                Thread.sleep(20);
            }
            assertThat(o.status("midway").state()).isEqualTo(JobState.DEPLOYING);
        }
        Set<Long> processes = OsProcesses.ofJob("midway");
        assertThat(processes).hasSize(2);

        OsProcesses.kill9(daemon());

        try (Orchestrator o = connect()) {
            assertThat(o.status("midway").state()).isEqualTo(JobState.DEPLOYING);
            var again = o.deploy(spec);
            assertThat(again.changed()).isFalse();
            assertThat(again.await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(o.status("midway").state()).isEqualTo(JobState.RUNNING);
            assertThat(OsProcesses.ofJob("midway")).isEqualTo(processes);

            o.undeploy("midway");
        }
        assertThat(OsProcesses.ofJob("midway")).isEmpty();
    }

    @Test
    void anInstanceThatDiedWhileNoSupervisorRanIsRestartedWhenOneStarts() throws Exception {
        JobSpec spec = LocalWorkloads.sleeper("orphaned", 2, 1);
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        Set<Long> before = OsProcesses.ofJob("orphaned");
        OsProcesses.kill9(daemon());
        long victim = before.iterator().next();
        OsProcesses.kill9(victim);

        try (Orchestrator o = connect()) {
            assertThat(o.status("orphaned").instances()).filteredOn(i -> i.state() == InstanceState.FAILED).hasSize(1);

            LocalOrchestrator local = o.facet(LocalOrchestrator.class).orElseThrow();
            assertThat(local.startSupervisor().running()).isTrue();
            long until = System.currentTimeMillis() + 30_000;
            while (OsProcesses.ofJob("orphaned").size() < 2 && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            Set<Long> after = OsProcesses.ofJob("orphaned");
            assertThat(after).hasSize(2).doesNotContain(victim).containsAnyElementsOf(before);
            o.undeploy("orphaned");
        }
        assertThat(OsProcesses.ofJob("orphaned")).isEmpty();
    }

    @Test
    void aSupervisorFileNamingAnotherProcessIsRecognisedAsStale() throws Exception {
        // this test's own JVM: alive, but not the process that the file says started at the epoch
        Files.writeString(state.resolve("supervisor.json"), "{\"port\":1,\"token\":\"x\",\"pid\":" + ProcessHandle.current().pid()
                + ",\"start\":\"" + Instant.EPOCH + "\"}");
        try (Orchestrator o = connect()) {
            assertThat(o.list(dev.baton.Selector.all())).isEmpty();
            assertThat(daemonRuns()).isFalse();

            assertThat(o.deploy(LocalWorkloads.sleeper("fresh", 1, 1)).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(daemon()).isNotEqualTo(ProcessHandle.current().pid());
            o.undeploy("fresh");
        }
    }

    @Test
    void readOnlyCommandsStartNoSupervisor() {
        try (Orchestrator o = connect()) {
            JobSpec spec = LocalWorkloads.sleeper("never", 1, 1);
            assertThat(o.list(dev.baton.Selector.all())).isEmpty();
            assertThat(o.plan(spec).changes()).hasSize(1);
            assertThat(o.render(spec).content()).contains("never");
            assertThat(o.hosts()).hasSize(1);
            assertThat(o.endpoints("never")).isEmpty();
            assertThat(o.capabilities().platform()).isEqualTo("local");
            assertThat(o.facet(LocalOrchestrator.class).orElseThrow().supervisor().running()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> o.status("never"))
                    .isInstanceOf(dev.baton.NotFoundException.class);
        }
        assertThat(daemonRuns()).isFalse();
        assertThat(state.resolve("supervisor.json")).doesNotExist();
    }
}
