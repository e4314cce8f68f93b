package dev.baton.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.LogsFacet;
import dev.baton.Orchestrator;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ContractWorkloads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Real processes: {@link TestServer} started with this JVM's java. */
final class LocalWorkloads implements ContractWorkloads {
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    static final String CLASSES = Path.of("target", "test-classes").toAbsolutePath().toString();

    static TaskSpec.Builder server(int generation) {
        return TaskSpec.builder("server")
                .command(JAVA, "-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", CLASSES, TestServer.class.getName())
                .env("GENERATION", Integer.toString(generation))
                .port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz",
                        new CheckTiming(Duration.ofMillis(300), Duration.ofSeconds(1), 2, Duration.ofSeconds(15))));
    }

    static JobSpec service(String name, int count, TaskSpec task, UpdatePolicy update) {
        return JobSpec.builder(name)
                .group(GroupSpec.builder("web").count(count).task(task).service(ServiceSpec.internal(name, "http")).build())
                .update(update)
                .build();
    }

    /** An embedded supervisor (in this JVM) over {@code state}, as the tests that need no daemon use it. */
    static Orchestrator embedded(Path state) {
        return dev.baton.Orchestrators.connect(dev.baton.Target.parse("local://embedded"),
                dev.baton.OrchestratorConfig.builder().property("local.stateDir", state.toString()).build());
    }

    /** A light service: {@code count} instances of a shell that sleeps, healthy while it runs. */
    static JobSpec sleeper(String name, int count, int generation) {
        return JobSpec.builder(name).group(GroupSpec.builder("g").count(count).task(TaskSpec.builder("t")
                .command("sh", "-c", "exec sleep 600").env("GENERATION", Integer.toString(generation)).build()).build()).build();
    }

    @Override
    public JobSpec healthyService(String name, int count, int generation) {
        return service(name, count, server(generation).build(), UpdatePolicy.rolling().withParallelism(1));
    }

    @Override
    public JobSpec failingService(String name, int count) {
        TaskSpec failing = server(99).env("FAIL", "1")
                .health(java.util.List.of(new HealthCheck.Http("http", "/healthz",
                        new CheckTiming(Duration.ofMillis(300), Duration.ofSeconds(1), 2, Duration.ofSeconds(1)))))
                .build();
        return service(name, count, failing, UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(5)).withOnFailure(OnFailure.ROLLBACK));
    }

    @Override
    public JobSpec crashingService(String name, int count) {
        TaskSpec crashing = TaskSpec.builder("server").command("sh", "-c", "echo crashing; exit 1")
                .port(PortSpec.dynamic("http")).build();
        JobSpec spec = service(name, count, crashing, UpdatePolicy.rolling().withParallelism(1)
                .withHealthyDeadline(Duration.ofSeconds(10)).withOnFailure(OnFailure.ROLLBACK));
        return spec.withGroup("web", g -> g.toBuilder()
                .restart(new dev.baton.model.RestartPolicy(dev.baton.model.RestartMode.ON_FAILURE, 1, Duration.ofMillis(200))).build());
    }

    @Override
    public JobSpec serviceWithSecret(String name, String secret, String key) {
        TaskSpec task = server(1)
                .env("SECRET_FILE", "/run/secrets/" + key)
                .secret(SecretMount.file(secret, key, "/run/secrets/" + key))
                .secret(SecretMount.env(secret, key, "SECRET_ENV"))
                .build();
        return service(name, 1, task, null).toBuilder().secret(secret).build();
    }

    @Override
    public void assertSecretReachedTask(Orchestrator orchestrator, String jobId, String value) {
        var lines = orchestrator.facet(LogsFacet.class).orElseThrow().logs(jobId, 50);
        assertThat(lines).extracting(LogsFacet.LogLine::line)
                .contains("secret-file=" + value + " mode=[OWNER_READ, OWNER_WRITE]", "secret-env=" + value);
    }

    @Override
    public Optional<JobSpec> unsupportedSpec(String name) {
        return Optional.of(JobSpec.builder(name)
                .group(GroupSpec.builder("web").task(TaskSpec.builder("nginx").image("nginx:1.27").build()).build())
                .build());
    }
}
