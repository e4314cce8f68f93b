package dev.baton.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.model.JobSpec;
import dev.baton.testkit.ProcessResources;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An orchestrator gives back what it took when it is closed: 200 cycles of connect, deploy, await healthy, undeploy
 * and close against the mock API server leave this process with the threads and file descriptors it had (the
 * client's dispatcher, connection pool and watches included).
 */
class KubernetesLeakTest {
    static MockCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new MockCluster();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static void cycle(JobSpec spec) {
        try (Orchestrator o = cluster.connect(OrchestratorConfig.builder())) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
            o.status(spec.name());
            o.undeploy(spec.name());
        }
    }

    @Test
    void twoHundredConnectDeployAwaitUndeployCloseCyclesLeakNothing() throws Exception {
        JobSpec spec = new KubernetesWorkloads(cluster.client).healthyService("leak", 2, 1);
        for (int i = 0; i < 5; i++) {
            cycle(spec);
        }
        ProcessResources.settle(3, Duration.ofMillis(300));
        long fdsBefore = ProcessResources.fileDescriptors();
        int threadsBefore = ProcessResources.threads();
        var namesBefore = ProcessResources.threadNames();

        for (int i = 0; i < 200; i++) {
            cycle(spec);
        }
        ProcessResources.settle(3, Duration.ofMillis(300));

        assertThat(ProcessResources.fileDescriptors()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 5);
        // the test's own fabric8 client and the mock's controller keep OkHttp pools (dispatcher, task runner, connection
        // closer) whose threads end 60 s after their last use, so a few more or fewer may be alive at either count
        // (CI saw 35 against 30 + 3); a thread left behind by each cycle would be 200 more
        assertThat(ProcessResources.threads()).as(() -> "threads: before " + namesBefore + ", after " + ProcessResources.threadNames())
                .isLessThanOrEqualTo(threadsBefore + 8);
    }
}
