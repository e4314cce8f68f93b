package dev.baton.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.model.JobType;
import dev.baton.status.GroupStatus;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentTrackerTest {

    private static InstanceStatus instance(int n, InstanceState state, String version) {
        return new InstanceStatus("i" + n, "web", state, state == InstanceState.RUNNING ? Health.HEALTHY : Health.UNKNOWN,
                "host", "127.0.0.1", null, null, null, null, version, 0);
    }

    private static List<GroupStatus> group(int desired, int running, int stopped, String version) {
        List<InstanceStatus> out = new ArrayList<>();
        for (int i = 0; i < running; i++) {
            out.add(instance(i, InstanceState.RUNNING, version));
        }
        for (int i = 0; i < stopped; i++) {
            out.add(instance(100 + i, InstanceState.STOPPED, version));
        }
        return List.of(new GroupStatus("web", desired, out));
    }

    @Test
    void aScaleDownHasSettledOnlyWhenTheExtraInstancesAreGone() {
        assertThat(DeploymentTracker.settled(group(1, 3, 0, "v1"), JobType.SERVICE, "v1")).isFalse();
        assertThat(DeploymentTracker.settled(group(1, 1, 2, "v1"), JobType.SERVICE, "v1")).isTrue();
    }

    @Test
    void anInterruptedWaitEndsInterruptedWithTheFlagSetAgain() throws Exception {
        DeploymentTracker waiting = DeploymentTracker.started("test", "job", "d1", true, (t, deadline) -> Thread.sleep(60_000));
        DeploymentTracker platformCall = DeploymentTracker.started("test", "job", "d2", true, (t, deadline) -> {
            Thread.currentThread().interrupt();
            throw dev.baton.PlatformUnavailableException.of("test", "interrupted", new InterruptedException());
        });
        java.util.concurrent.atomic.AtomicReference<Object[]> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            var r = waiting.await(java.time.Duration.ofMinutes(1));
            seen.set(new Object[] {r.outcome(), Thread.currentThread().isInterrupted()});
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(5_000);

        assertThat(seen.get()).containsExactly(dev.baton.DeploymentResult.Outcome.INTERRUPTED, true);
        assertThat(platformCall.await(java.time.Duration.ofSeconds(1)).outcome()).isEqualTo(dev.baton.DeploymentResult.Outcome.INTERRUPTED);
        assertThat(Thread.interrupted()).isTrue();
    }

    @Test
    void anUpdateHasSettledWhenTheNewVersionIsHealthyAndNoOldInstanceRuns() {
        List<InstanceStatus> mixed = List.of(instance(0, InstanceState.RUNNING, "v2"), instance(1, InstanceState.RUNNING, "v1"));
        assertThat(DeploymentTracker.settled(List.of(new GroupStatus("web", 1, mixed)), JobType.SERVICE, "v2")).isFalse();
        assertThat(DeploymentTracker.settled(group(2, 2, 0, "v2"), JobType.SERVICE, "v2")).isTrue();
        assertThat(DeploymentTracker.settled(group(2, 1, 0, "v2"), JobType.SERVICE, "v2")).isFalse();
    }
}
