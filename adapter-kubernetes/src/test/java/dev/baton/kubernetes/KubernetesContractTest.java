package dev.baton.kubernetes;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract suite against fabric8's mock API server in CRUD mode, with {@link MockCluster} playing the controllers. */
class KubernetesContractTest extends OrchestratorContract {
    static MockCluster cluster;
    static Orchestrator orchestrator;

    @BeforeAll
    static void start() {
        cluster = new MockCluster();
        orchestrator = cluster.connect(OrchestratorConfig.builder());
    }

    @AfterAll
    static void stop() {
        orchestrator.close();
        cluster.close();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new KubernetesWorkloads(cluster.client);
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(30);
    }
}
