package dev.baton.swarm;

import dev.baton.Orchestrator;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract suite against the real Docker engine in swarm mode that {@code .ci/swarm-setup.sh} starts. */
class SwarmContractIT extends OrchestratorContract {
    static Orchestrator orchestrator;

    @BeforeAll
    static void connect() {
        SwarmEngineSupport.requireEngine();
        orchestrator = SwarmEngineSupport.connect();
    }

    @AfterAll
    static void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new SwarmWorkloads();
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(120);
    }
}
