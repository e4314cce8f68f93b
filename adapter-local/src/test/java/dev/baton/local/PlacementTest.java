package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.Constraint;
import dev.baton.model.JobSpec;
import dev.baton.model.PlacementPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlacementTest {
    @TempDir
    Path state;

    private DeploymentResult deploy(JobSpec spec) {
        try (Orchestrator o = Orchestrators.connect(Target.parse("local://embedded"),
                OrchestratorConfig.builder().property("local.stateDir", state.toString()).build())) {
            return o.deploy(spec).await(Duration.ofSeconds(60));
        }
    }

    @Test
    void constraintsAreEvaluatedAgainstThisMachine() {
        JobSpec base = new LocalWorkloads().healthyService("placed", 1, 1);

        DeploymentResult ok = deploy(base.toBuilder().placement(new PlacementPolicy(List.of(
                Constraint.equal("node.os", "linux"), Constraint.notIn("node.arch", "s390x"), Constraint.notExists("node.labels.gpu")),
                null, false)).build());
        DeploymentResult unmet = deploy(base.toBuilder().placement(new PlacementPolicy(List.of(
                Constraint.exists("node.labels.gpu")), null, false)).build());

        assertThat(ok.outcome()).isEqualTo(Outcome.HEALTHY);
        assertThat(unmet.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(unmet.message()).contains("no host satisfies the placement constraints").contains("node.labels.gpu exists");
    }

    @Test
    void distinctHostsPlacesOneInstanceOnTheOneHostAndSaysWhyNotMore() {
        JobSpec spec = new LocalWorkloads().healthyService("distinct", 2, 1).toBuilder()
                .placement(new PlacementPolicy(List.of(), null, true)).build();

        DeploymentResult r = deploy(spec);

        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.message()).contains("only 1 of 2 instances can be placed");
        assertThat(r.status().instances()).hasSize(1);
    }
}
