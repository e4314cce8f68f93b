package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.NotFoundException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.JobSpec;
import dev.baton.plan.Plan;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host runs a bounded number of instances; a count over the bound is refused before any process starts. */
class LocalLimitsTest {
    @TempDir
    Path state;

    private Orchestrator connect(String perJob, String total) {
        OrchestratorConfig.Builder b = OrchestratorConfig.builder().property("local.stateDir", state.toString());
        if (perJob != null) {
            b.property("local.maxInstancesPerJob", perJob);
        }
        if (total != null) {
            b.property("local.maxInstances", total);
        }
        return Orchestrators.connect(Target.parse("local://embedded"), b.build());
    }

    @Test
    void aCountOverTheLimitIsRefusedByPlanRenderAndDeployBeforeAnyProcessStarts() {
        JobSpec huge = LocalWorkloads.sleeper("huge", 100_000, 1);
        try (Orchestrator o = connect(null, null)) {
            assertThatThrownBy(() -> o.deploy(huge)).isInstanceOf(UnsupportedCapabilityException.class)
                    .hasMessageContaining("groups[0].count").hasMessageContaining("limit of 256 per job")
                    .hasMessageContaining("local.maxInstancesPerJob");
            assertThatThrownBy(() -> o.render(huge)).isInstanceOf(UnsupportedCapabilityException.class);
            Plan plan = o.plan(huge);
            assertThat(plan.unsupported()).extracting(u -> u.path()).containsExactly("groups[0].count");
            assertThatThrownBy(() -> o.status("huge")).isInstanceOf(NotFoundException.class);
        }
        assertThat(OsProcesses.ofJob("huge")).isEmpty();
        assertThat(state.resolve("instances/default")).doesNotExist();
    }

    @Test
    void theLimitsAreConfigPropertiesAndCountEveryJob() {
        try (Orchestrator o = connect("2", "3")) {
            assertThatThrownBy(() -> o.deploy(LocalWorkloads.sleeper("three", 3, 1)))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("limit of 2 per job");
            assertThat(o.deploy(LocalWorkloads.sleeper("first", 2, 1)).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);

            assertThatThrownBy(() -> o.deploy(LocalWorkloads.sleeper("second", 2, 1)))
                    .isInstanceOf(UnsupportedCapabilityException.class).hasMessageContaining("limit of 3 in all");
            assertThatThrownBy(() -> o.scale("first", "g", 3)).isInstanceOf(UnsupportedCapabilityException.class);
            assertThat(OsProcesses.ofJob("second")).isEmpty();

            o.undeploy("first");
            assertThat(o.deploy(LocalWorkloads.sleeper("second", 2, 1)).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
        }
    }
}
