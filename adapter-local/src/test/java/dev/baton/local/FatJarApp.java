package dev.baton.local;

import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.GroupSpec;
import dev.baton.model.JobSpec;
import dev.baton.model.TaskSpec;
import java.time.Duration;

/**
 * An application that has Baton as a dependency, run by {@link FatJarIT} from an executable jar: it deploys a job on
 * {@code local://} (which starts the supervisor daemon in a new JVM), prints the outcome and the daemon's pid, start
 * time and command line, then undeploys and stops the daemon. Argument: the state directory. Exit code 0 on success, 1 on any
 * exception.
 */
public final class FatJarApp {
    private FatJarApp() {
    }

    public static void main(String[] args) {
        try {
            run(args[0]);
        } catch (Throwable e) {
            System.out.println("error=" + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
        System.out.flush();
        System.exit(0);
    }

    private static void run(String stateDir) throws Exception {
        JobSpec job = JobSpec.builder("fatjar")
                .group(GroupSpec.builder("g").count(1)
                        .task(TaskSpec.builder("t").command("sh", "-c", "exec sleep 600").build())
                        .build())
                .build();
        try (Orchestrator o = Orchestrators.connect(Target.parse("local://"),
                OrchestratorConfig.builder().property("local.stateDir", stateDir).build())) {
            LocalOrchestrator local = o.facet(LocalOrchestrator.class).orElseThrow();
            Deployment deployment = o.deploy(job);
            DeploymentResult result = deployment.await(Duration.ofSeconds(60));
            System.out.println("outcome=" + result.outcome());
            long pid = local.supervisor().pid();
            ProcessHandle.Info daemon = ProcessHandle.of(pid).orElseThrow().info();
            System.out.println("supervisor.pid=" + pid);
            System.out.println("supervisor.started=" + daemon.startInstant().orElseThrow());
            System.out.println("supervisor.command=" + daemon.commandLine().orElseThrow());
            o.undeploy(deployment.jobId());
            local.stopSupervisor();
        }
    }
}
