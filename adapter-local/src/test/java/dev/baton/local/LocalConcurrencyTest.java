package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.ConflictException;
import dev.baton.DeployOptions;
import dev.baton.Deployment;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.status.JobState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs do not wait for each other, and two deploys of one job do not race silently. */
class LocalConcurrencyTest {
    @TempDir
    Path state;
    Orchestrator o;

    @BeforeEach
    void connect() {
        o = LocalWorkloads.embedded(state);
    }

    @AfterEach
    void close() {
        o.close();
    }

    @Test
    void aJobSlowToDieDoesNotHoldUpAnotherJobsStatus() throws Exception {
        JobSpec stubborn = JobSpec.builder("stubborn").group(GroupSpec.builder("g").count(3).task(TaskSpec.builder("t")
                .command("sh", "-c", "trap '' TERM; while true; do sleep 1; done").build()).build()).build();
        assertThat(o.deploy(stubborn).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(o.deploy(LocalWorkloads.sleeper("other", 1, 1)).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);

        CompletableFuture<Void> undeploy = CompletableFuture.runAsync(() -> o.undeploy("stubborn"));
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until) {
            try {
                o.status("stubborn");
                Thread.sleep(5);
            } catch (NotFoundException removed) {
                break;
            }
        }

        assertThat(o.status("other").state()).isEqualTo(JobState.RUNNING);
        assertThat(undeploy).as("the stubborn job's processes ignore SIGTERM for 3 s").isNotDone();
        undeploy.get();
        assertThat(OsProcesses.ofJob("stubborn")).isEmpty();
    }

    private static JobSpec slowToSettle(String name, int generation) {
        return LocalWorkloads.sleeper(name, 1, generation).toBuilder()
                .update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ofSeconds(3))).build();
    }

    @Test
    void twoDeploysOfOneJobAtOnceGiveOneConflict() throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Deployment>> results = new ArrayList<>();
        for (int generation = 1; generation <= 2; generation++) {
            JobSpec spec = slowToSettle("raced", generation);
            results.add(pool.submit(() -> {
                start.await();
                return o.deploy(spec);
            }));
        }
        int conflicts = 0;
        Deployment winner = null;
        for (Future<Deployment> f : results) {
            try {
                winner = f.get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ConflictException.class)
                        .hasMessageContaining("has a deployment in progress").hasMessageContaining("--force");
                conflicts++;
            }
        }
        pool.shutdown();

        assertThat(conflicts).isEqualTo(1);
        assertThat(winner.await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(OsProcesses.ofJob("raced")).hasSize(1);
    }

    @Test
    void aForcedDeploySupersedesTheOneInProgress() {
        Deployment first = o.deploy(slowToSettle("forced", 1));
        assertThatThrownBy(() -> o.deploy(slowToSettle("forced", 2))).isInstanceOf(ConflictException.class);

        Deployment second = o.deploy(slowToSettle("forced", 2), DeployOptions.DEFAULT.withForce(true));

        assertThat(second.await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(first.await(Duration.ofSeconds(5)).outcome()).isNotEqualTo(Outcome.HEALTHY);
        assertThat(o.status("forced").version()).isEqualTo(dev.baton.spi.SpecVersion.of(slowToSettle("forced", 2)));
    }
}
