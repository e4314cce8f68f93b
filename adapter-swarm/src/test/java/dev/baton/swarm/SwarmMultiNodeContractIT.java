package dev.baton.swarm;

import dev.baton.Orchestrator;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract suite on the three-node swarm of {@code .ci/swarm-multinode.sh}, through its manager. The workloads are
 * those of the single node ({@link SwarmWorkloads}): the test image, which {@code swarm-multinode.sh} loads into every
 * node; the server on each node's own host network, bound to that node's loopback on a port per job (replicas that
 * meet on one node share it, {@code SO_REUSEPORT}); the exec health check asking it over loopback inside the task; and
 * secrets read with {@code docker exec} on whichever node runs the task.
 */
class SwarmMultiNodeContractIT extends OrchestratorContract {
    static Orchestrator orchestrator;
    static SwarmWorkloads workloads;

    @BeforeAll
    static void connect() {
        SwarmMultiNodeSupport.requireSwarm();
        orchestrator = SwarmMultiNodeSupport.connect();
        workloads = SwarmMultiNodeSupport.workloads();
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
        return workloads;
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(120);
    }
}
