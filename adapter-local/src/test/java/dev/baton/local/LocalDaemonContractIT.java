package dev.baton.local;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.local.internal.RemoteBackend;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract suite through the supervisor daemon, the path {@code local://} and the {@code baton} command line
 * take: every call crosses a process boundary, and the daemon is shut down at the end.
 */
class LocalDaemonContractIT extends OrchestratorContract {
    @TempDir
    static Path state;
    static Orchestrator orchestrator;

    @BeforeAll
    static void connect() {
        orchestrator = Orchestrators.connect(Target.parse("local://"),
                OrchestratorConfig.builder().property("local.stateDir", state.toString()).build());
    }

    @AfterAll
    static void shutdown() {
        orchestrator.close();
        new RemoteBackend(state, Duration.ofSeconds(10)).shutdownSupervisor();
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
