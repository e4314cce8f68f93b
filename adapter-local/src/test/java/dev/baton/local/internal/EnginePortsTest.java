package dev.baton.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.Specs;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.TaskSpec;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ports are taken per instance all at once, and given back on every path that ends an instance. */
class EnginePortsTest {
    @TempDir
    Path state;

    private static JobSpec holding(String name, PortSpec... ports) {
        return JobSpec.builder(name).group(GroupSpec.builder("g").restart(RestartPolicy.of(RestartMode.NEVER))
                .task(TaskSpec.builder("t").command("sh", "-c", "exec sleep 600").ports(java.util.List.of(ports)).build()).build()).build();
    }

    private static String await(Engine e, String job, Backend.Started s) {
        long seq = 0;
        while (true) {
            Backend.Progress p = e.progress(job, s.deploymentId());
            if (p.outcome() != null) {
                return p.outcome();
            }
            seq = e.awaitChange(seq, 1000);
        }
    }

    @Test
    void theDynamicPortsOfAnInstanceThatCannotHaveItsFixedOneAreGivenBack() throws Exception {
        int fixed;
        try (ServerSocket s = new ServerSocket(0)) {
            fixed = s.getLocalPort();
        }
        Engine e = new Engine(state);
        try {
            Backend.Started a = e.deploy(Specs.toJson(holding("holder", PortSpec.of("p", fixed))), "default", null, false);
            assertThat(await(e, "holder", a)).isEqualTo("HEALTHY");
            assertThat(e.portsInUse()).isEqualTo(1);

            Backend.Started b = e.deploy(Specs.toJson(holding("wanting", PortSpec.dynamic("a"), PortSpec.dynamic("b"),
                    PortSpec.of("c", fixed))), "default", null, false);
            assertThat(await(e, "wanting", b)).isEqualTo("FAILED");
            assertThat(e.status("wanting").instances().get(0).reason()).contains("port " + fixed);
            assertThat(e.portsInUse()).isEqualTo(1);

            e.undeploy("wanting");
            e.undeploy("holder");
            assertThat(e.portsInUse()).isZero();
        } finally {
            e.close();
        }
    }
}
