package dev.baton.marathon;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test on a fresh {@link MarathonDouble} per case, with an orchestrator connected to it (5 s request timeout). */
abstract class OnTheDouble {
    MarathonDouble marathon;
    Orchestrator o;

    @BeforeEach
    void startTheDouble() {
        marathon = new MarathonDouble();
        o = Orchestrators.connect(Target.parse("marathon://" + marathon.address()),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(Duration.ofSeconds(5)).build());
    }

    @AfterEach
    void stopTheDouble() {
        o.close();
        marathon.shutdown();
    }
}
