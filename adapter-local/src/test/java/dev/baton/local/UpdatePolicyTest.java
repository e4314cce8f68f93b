package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.UpdatePolicy;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Event;
import dev.baton.status.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling update knobs on real processes: onFailure pause and continue, canaries, recreate. */
class UpdatePolicyTest {
    @TempDir
    Path state;
    Orchestrator o;
    final LocalWorkloads w = new LocalWorkloads();

    @BeforeEach
    void connect() {
        o = LocalWorkloads.embedded(state);
    }

    @AfterEach
    void close() {
        o.close();
    }

    private JobSpec failing(String name, OnFailure onFailure) {
        JobSpec f = w.failingService(name, 2);
        return f.toBuilder().update(f.update().withOnFailure(onFailure).withHealthyDeadline(Duration.ofSeconds(3))).build();
    }

    /** The versions of the group's instances, a failing one between two restarts included. */
    private List<String> runningVersions(String name) {
        return o.status(name).instances().stream().filter(i -> i.state() != dev.baton.status.InstanceState.STOPPED
                && i.state() != dev.baton.status.InstanceState.COMPLETED).map(InstanceStatus::version).toList();
    }

    @Test
    void pauseStopsTheUpdateAfterTheFailedBatch() {
        JobSpec v1 = w.healthyService("paused", 2, 1);
        assertThat(o.deploy(v1).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);

        DeploymentResult r = o.deploy(failing("paused", OnFailure.PAUSE)).await(Duration.ofSeconds(60));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).contains("update paused");
        // the first batch started one new instance beside the two old ones, failed, and the update stopped there
        assertThat(runningVersions("paused")).hasSize(3).filteredOn(SpecVersion.of(v1)::equals).hasSize(2);
    }

    @Test
    void continueReplacesEveryBatchAndStillReportsTheFailure() {
        JobSpec v1 = w.healthyService("continued", 2, 1);
        assertThat(o.deploy(v1).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        JobSpec bad = failing("continued", OnFailure.CONTINUE);

        DeploymentResult r = o.deploy(bad).await(Duration.ofSeconds(60));

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(runningVersions("continued")).hasSize(2).containsOnly(SpecVersion.of(bad));
    }

    @Test
    void canariesStartBeforeAnyOldInstanceIsTouched() {
        JobSpec v1 = w.healthyService("canary", 2, 1);
        assertThat(o.deploy(v1).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        JobSpec v2 = w.healthyService("canary", 2, 2).toBuilder()
                .update(UpdatePolicy.rolling().withCanary(1).withParallelism(1)).build();
        List<Event> events = new CopyOnWriteArrayList<>();

        var d = o.deploy(v2);
        d.onEvent(events::add);
        assertThat(d.await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);

        int firstHealthyNew = indexOf(events, Event.Type.INSTANCE_HEALTHY);
        int firstStopped = indexOf(events, Event.Type.INSTANCE_EXITED);
        assertThat(firstHealthyNew).isNotNegative().isLessThan(firstStopped);
        assertThat(runningVersions("canary")).hasSize(2).containsOnly(SpecVersion.of(v2));
    }

    @Test
    void recreateStopsTheOldVersionFirst() {
        JobSpec v1 = w.healthyService("recreate", 2, 1);
        assertThat(o.deploy(v1).await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);
        JobSpec v2 = w.healthyService("recreate", 2, 2).toBuilder().update(UpdatePolicy.recreate()).build();
        List<Event> events = new CopyOnWriteArrayList<>();

        var d = o.deploy(v2);
        d.onEvent(events::add);
        assertThat(d.await(Duration.ofSeconds(60)).outcome()).isEqualTo(Outcome.HEALTHY);

        assertThat(indexOf(events, Event.Type.INSTANCE_EXITED)).isLessThan(indexOf(events, Event.Type.INSTANCE_STARTED));
    }

    private static int indexOf(List<Event> events, Event.Type type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).type() == type) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void processesThatExitBeforeTheirStartIsRecordedStillComplete() {
        JobSpec spec = JobSpec.builder("instant").type(dev.baton.model.JobType.BATCH)
                .group(dev.baton.model.GroupSpec.builder("g").count(8)
                        .task(dev.baton.model.TaskSpec.builder("t").command("true").build()).build()).build();

        var r = o.deploy(spec).await(Duration.ofSeconds(30));

        assertThat(r.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(o.status("instant").instances()).hasSize(8)
                .allSatisfy(i -> assertThat(i.state()).isEqualTo(dev.baton.status.InstanceState.COMPLETED));
    }
}
