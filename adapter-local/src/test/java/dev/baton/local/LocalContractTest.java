package dev.baton.local;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The contract suite on real processes, with the supervisor inside the test JVM ({@code local://embedded}). */
class LocalContractTest extends OrchestratorContract {
    @TempDir
    static Path state;
    static Orchestrator orchestrator;

    @BeforeAll
    static void connect() {
        orchestrator = Orchestrators.connect(Target.parse("local://embedded"),
                OrchestratorConfig.builder().property("local.stateDir", state.toString()).build());
    }

    @AfterAll
    static void close() {
        orchestrator.close();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new LocalWorkloads();
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(60);
    }
}
