package dev.baton.examples.embed;

import dev.baton.DeploymentResult;
import dev.baton.Orchestrator;
import dev.baton.Orchestrators;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.status.Endpoint;
import java.time.Duration;

/**
 * Embedding Baton in a Java program: builds a spec in code, deploys it to the target named by the first argument
 * (default {@code local://}), waits until it is healthy, prints its endpoints, scales it and removes it.
 *
 * <pre>java -cp examples/target/baton.jar dev.baton.examples.embed.EmbeddedExample local://</pre>
 */
public final class EmbeddedExample {
    private EmbeddedExample() {
    }

    /** The hello service as a Java builder builds it: the same model as examples/specs/hello.yaml. */
    public static JobSpec helloSpec(String jar) {
        return JobSpec.builder("hello-embedded")
                .label("app", "hello")
                .group(GroupSpec.builder("web").count(2)
                        .task(TaskSpec.builder("server")
                                .command("java", "-Xmx64m", "-cp", jar, "dev.baton.examples.hello.HelloServer")
                                .env("GREETING", "hello from an embedded deploy")
                                .port(PortSpec.dynamic("http"))
                                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(
                                        Duration.ofSeconds(1), Duration.ofSeconds(1), 3, Duration.ofSeconds(20))))
                                .build())
                        .service(ServiceSpec.internal("hello-embedded", "http"))
                        .build())
                .update(UpdatePolicy.rolling().withParallelism(1))
                .build();
    }

    public static void main(String[] args) {
        String target = args.length > 0 ? args[0] : "local://";
        String jar = EmbeddedExample.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        try (Orchestrator orchestrator = Orchestrators.connect(target)) {
            JobSpec spec = helloSpec(jar);
            var deployment = orchestrator.deploy(spec);
            deployment.onEvent(e -> System.out.println(e.type() + " " + (e.progress().isEmpty() ? e.message() : e.progress())));
            DeploymentResult result = deployment.await(Duration.ofMinutes(2));
            System.out.println("deployed: " + result.outcome());
            for (Endpoint e : orchestrator.endpoints("hello-embedded")) {
                System.out.println("reach it at http://" + e.hostAndPort() + "/");
            }
            System.out.println("scaled: " + orchestrator.scale(spec.name(), "web", 3).await(Duration.ofMinutes(2)).outcome());
            orchestrator.undeploy(spec.name());
            System.out.println("undeployed");
        }
    }
}
