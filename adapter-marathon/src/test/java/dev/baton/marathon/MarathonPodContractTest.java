package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        return new MarathonWorkloads(true);
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(30);
    }
}
