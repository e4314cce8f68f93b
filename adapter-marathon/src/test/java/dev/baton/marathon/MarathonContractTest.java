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

/** The contract suite against {@link MarathonDouble}; afterwards every app definition sent is validated against Marathon's schema. */
class MarathonContractTest extends OrchestratorContract {
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
        AppSchema schema = AppSchema.load();
        List<String> problems = new ArrayList<>();
        if (schema != null) {
            for (JsonNode app : marathon.appsSent()) {
                schema.validate(app.toString()).forEach(p -> problems.add(app.path("id").asText() + ": " + p));
            }
        }
        marathon.shutdown();
        assertThat(problems).as("app definitions Marathon's schema refuses").isEmpty();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new MarathonWorkloads(false);
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(30);
    }
}
