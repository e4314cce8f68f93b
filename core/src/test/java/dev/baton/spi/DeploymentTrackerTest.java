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
    void anUpdateHasSettledWhenTheNewVersionIsHealthyAndNoOldInstanceRuns() {
        List<InstanceStatus> mixed = List.of(instance(0, InstanceState.RUNNING, "v2"), instance(1, InstanceState.RUNNING, "v1"));
        assertThat(DeploymentTracker.settled(List.of(new GroupStatus("web", 1, mixed)), JobType.SERVICE, "v2")).isFalse();
        assertThat(DeploymentTracker.settled(group(2, 2, 0, "v2"), JobType.SERVICE, "v2")).isTrue();
        assertThat(DeploymentTracker.settled(group(2, 1, 0, "v2"), JobType.SERVICE, "v2")).isFalse();
    }
}
