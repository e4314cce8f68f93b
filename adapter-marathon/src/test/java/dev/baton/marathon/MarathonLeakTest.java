package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.model.JobSpec;
import dev.baton.testkit.ProcessResources;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An orchestrator gives back what it took when it is closed: 200 cycles of connect, deploy, await healthy (over the
 * orchestrator's one event stream), status, undeploy and close against the {@link MarathonDouble} leave this process
 * with the threads and file descriptors it had (the event stream's reader and the OkHttp client's dispatcher and
 * connection pool included).
 */
class MarathonLeakTest {
    static MarathonDouble marathon;

    @BeforeAll
    static void start() {
        marathon = new MarathonDouble();
    }

    @AfterAll
    static void stop() {
        marathon.shutdown();
    }

    private static void cycle(JobSpec spec) {
        try (Orchestrator o = MarathonRequestsTest.connect(marathon.address())) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(30)).outcome()).isEqualTo(Outcome.HEALTHY);
            o.status(spec.name());
            o.undeploy(spec.name());
        }
    }

    @Test
    void twoHundredConnectDeployAwaitUndeployCloseCyclesLeakNothing() throws Exception {
        JobSpec spec = new MarathonWorkloads(false).healthyService("leak", 1, 1); // an HTTP check: no 2 s window per cycle
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
        // the double's and the test's HTTP pools keep idle threads for up to 60 s, so a few more or fewer may be alive
        // at either count; a thread left behind by each cycle would be 200 more
        assertThat(ProcessResources.threads()).as(() -> "threads: before " + namesBefore + ", after " + ProcessResources.threadNames())
                .isLessThanOrEqualTo(threadsBefore + 8);
    }
}
