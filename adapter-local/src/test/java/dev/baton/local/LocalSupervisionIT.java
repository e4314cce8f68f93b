package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.local.internal.RemoteBackend;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.TaskSpec;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobState;
import dev.baton.status.JobStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the supervisor daemon does on its own: restarts killed processes, outlives its clients, leaves no orphan. */
class LocalSupervisionIT {
    @TempDir
    static Path state;
    static OrchestratorConfig config;

    @BeforeAll
    static void config() {
        config = OrchestratorConfig.builder().property("local.stateDir", state.toString()).build();
    }

    @AfterAll
    static void shutdown() {
        new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
    }

    static Orchestrator connect() {
        return Orchestrators.connect(Target.parse("local://"), config);
    }

    static boolean alive(long pid) {
        return OsProcesses.alive(pid);
    }

    static long pidOf(InstanceStatus i) throws IOException {
        return Long.parseLong(Files.readString(state.resolve("instances/default/" + i.id() + "/root/pid")).trim());
    }

    @Test
    void anInstanceKilledFromOutsideIsRestartedAndHealthyAgain() throws Exception {
        JobSpec spec = new LocalWorkloads().healthyService("killed", 2, 1);
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
            InstanceStatus victim = o.status("killed").instances().get(0);
            long pid = pidOf(victim);

            Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).start();
            assertThat(kill.waitFor()).isZero();

            JobStatus after = awaitRestarted(o, victim.id());
            InstanceStatus again = after.instances().stream().filter(i -> i.id().equals(victim.id())).findFirst().orElseThrow();
            assertThat(again.restarts()).isEqualTo(1);
            assertThat(again.isHealthy()).isTrue();
            assertThat(pidOf(again)).isNotEqualTo(pid);
            assertThat(alive(pid)).isFalse();
            o.undeploy("killed");
        }
    }

    /** Waits on the job's events (no fixed-interval polling) until the instance is healthy after a restart. */
    private static JobStatus awaitRestarted(Orchestrator o, String instance) throws InterruptedException {
        Object signal = new Object();
        try (var sub = o.watch("killed", e -> {
            synchronized (signal) {
                signal.notifyAll();
            }
        })) {
            long until = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < until) {
                JobStatus s = o.status("killed");
                if (s.instances().stream().anyMatch(i -> i.id().equals(instance) && i.restarts() == 1 && i.isHealthy())) {
                    return s;
                }
                synchronized (signal) {
                    signal.wait(2000);
                }
            }
        }
        throw new AssertionError("instance " + instance + " was not restarted: " + o.status("killed"));
    }

    @Test
    void jobsOutliveTheJvmThatDeployedThemAndUndeployLeavesNoProcess() throws Exception {
        JobSpec spec = new LocalWorkloads().healthyService("survivor", 1, 1);
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
        long pid;
        try (Orchestrator later = connect()) {
            JobStatus s = later.status("survivor");
            assertThat(s.state()).isEqualTo(JobState.RUNNING);
            pid = pidOf(s.instances().get(0));
            assertThat(alive(pid)).isTrue();

            later.undeploy("survivor");

            assertThatThrownBy(() -> later.status("survivor")).isInstanceOf(NotFoundException.class);
        }
        assertThat(alive(pid)).isFalse();
    }

    @Test
    void shuttingTheSupervisorDownKillsWholeProcessTrees() throws Exception {
        Path pidFile = state.resolve("grandchild.pid");
        JobSpec spec = JobSpec.builder("tree").group(GroupSpec.builder("g").task(TaskSpec.builder("sh")
                .command("sh", "-c", "sleep 600 & echo $! > " + pidFile + "; wait").build()).build()).build();
        Path other = Files.createTempDirectory("baton-tree");
        OrchestratorConfig own = OrchestratorConfig.builder().property("local.stateDir", other.toString()).build();
        try (Orchestrator o = Orchestrators.connect(Target.parse("local://"), own)) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
            long until = System.currentTimeMillis() + 10_000;
            while (!Files.exists(pidFile) && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
        }
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(alive(grandchild)).isTrue();

        new RemoteBackend(other, Duration.ofSeconds(10)).shutdownSupervisor();

        assertThat(alive(grandchild)).isFalse();
    }

    @Test
    void aBatchJobRunsToCompletionAndReportsExitCodes() {
        JobSpec ok = JobSpec.builder("batch-ok").type(JobType.BATCH).group(GroupSpec.builder("g").count(2)
                .task(TaskSpec.builder("t").command("sh", "-c", "exit 0").build()).build()).build();
        JobSpec bad = JobSpec.builder("batch-bad").type(JobType.BATCH).group(GroupSpec.builder("g")
                .restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, Duration.ofMillis(100)))
                .task(TaskSpec.builder("t").command("sh", "-c", "exit 3").build()).build()).build();
        try (Orchestrator o = connect()) {
            assertThat(o.deploy(ok).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.COMPLETED);
            JobStatus s = o.status("batch-ok");
            assertThat(s.state()).isEqualTo(JobState.COMPLETED);
            assertThat(s.instances()).hasSize(2).allSatisfy(i -> {
                assertThat(i.state()).isEqualTo(InstanceState.COMPLETED);
                assertThat(i.exitCode()).isZero();
            });

            var failed = o.deploy(bad).await(Duration.ofSeconds(30));
            assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(failed.message()).contains("exited with code 3");
            InstanceStatus i = o.status("batch-bad").instances().get(0);
            assertThat(i.exitCode()).isEqualTo(3);
            assertThat(i.restarts()).isEqualTo(1);
            o.undeploy("batch-ok");
            o.undeploy("batch-bad");
        }
    }

    @Test
    void aCommandThatDoesNotExistFailsTheDeploymentWithTheReason() {
        JobSpec spec = JobSpec.builder("missing").group(GroupSpec.builder("g")
                .restart(RestartPolicy.of(RestartMode.NEVER))
                .task(TaskSpec.builder("t").command("/no/such/binary").build()).build())
                .update(dev.baton.model.UpdatePolicy.rolling().withHealthyDeadline(Duration.ofSeconds(3))).build();
        try (Orchestrator o = connect()) {
            var r = o.deploy(spec).await(Duration.ofSeconds(30));

            assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
            InstanceStatus i = o.status("missing").instances().get(0);
            assertThat(i.state()).isEqualTo(InstanceState.FAILED);
            assertThat(i.reason()).startsWith("cannot start: ").contains("/no/such/binary");
            o.undeploy("missing");
        }
    }

    @Test
    void twoInstancesNeverShareAPortAndAStaticPortWithManyInstancesIsRefused() {
        JobSpec spec = new LocalWorkloads().healthyService("ports", 3, 1);
        try (Orchestrator o = connect()) {
            o.deploy(spec).await(Duration.ofSeconds(60));
            List<Integer> ports = o.status("ports").instances().stream().map(i -> i.ports().get("http")).toList();
            assertThat(ports).hasSize(3).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isBetween(20000, 32000));
            o.undeploy("ports");

            JobSpec fixed = spec.withGroup("web", g -> g.toBuilder().tasks(List.of(g.tasks().get(0).toBuilder()
                    .ports(List.of(dev.baton.model.PortSpec.of("http", 18080))).build())).build());
            assertThatThrownBy(() -> o.deploy(fixed)).isInstanceOf(dev.baton.UnsupportedCapabilityException.class)
                    .hasMessageContaining("groups[0].tasks[0].ports[0].port").hasMessageContaining("only one of them could bind port 18080");
        }
    }
}
