package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.OnFailure;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.SecretMount;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.testkit.ContractWorkloads;
import dev.baton.testkit.OrchestratorContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The contract suite against {@link NomadDouble}; afterwards every body sent is checked against Nomad's field list. */
class NomadContractTest extends OrchestratorContract {
    static NomadDouble nomad;
    static Orchestrator orchestrator;

    @BeforeAll
    static void start() {
        nomad = new NomadDouble();
        orchestrator = Orchestrators.connect(Target.parse("nomad://" + nomad.address()), OrchestratorConfig.builder()
                .environment(Map.of()).requestTimeout(Duration.ofSeconds(10)).build());
    }

    @AfterAll
    static void stop() throws Exception {
        orchestrator.close();
        List<String> problems = new ArrayList<>();
        JsonNode fields = NomadFields.load();
        if (fields != null) {
            for (JsonNode body : nomad.bodies()) {
                if (body.has("Job")) {
                    NomadFields.check(body.has("Diff") ? "JobPlanRequest" : "JobRegisterRequest", body, fields, problems);
                }
            }
        }
        nomad.shutdown();
        assertThat(problems).as("fields Nomad does not know, in the bodies sent").isEmpty();
    }

    @Override
    protected Orchestrator orchestrator() {
        return orchestrator;
    }

    @Override
    protected ContractWorkloads workloads() {
        return new ContractWorkloads() {
            TaskSpec.Builder server(int generation) {
                return TaskSpec.builder("server").image("localhost/baton-test:1").env("GENERATION", Integer.toString(generation))
                        .port(PortSpec.dynamic("http"))
                        .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
            }

            JobSpec service(String name, int count, TaskSpec t, UpdatePolicy u) {
                return JobSpec.builder(name).group(GroupSpec.builder("web").count(count).task(t)
                        .service(ServiceSpec.internal(name, "http")).build()).update(u).build();
            }

            @Override
            public JobSpec healthyService(String name, int count, int generation) {
                return service(name, count, server(generation).build(), UpdatePolicy.rolling().withParallelism(1));
            }

            @Override
            public JobSpec failingService(String name, int count) {
                // min_healthy_time below the healthy deadline: Nomad refuses a job whose (default 10s) one is not
                return service(name, count, server(99).env("FAIL", "1").build(), UpdatePolicy.rolling().withParallelism(1)
                        .withMinHealthyTime(Duration.ofSeconds(1)).withHealthyDeadline(Duration.ofSeconds(2)).withOnFailure(OnFailure.ROLLBACK));
            }

            /**
             * The task's command is a shell that prints a line and exits 1 at once, every time it runs: {@link NomadDouble}
             * runs a task whose command is {@code sh -c <script>} with {@code exit N} as the script's last command as a
             * process that exits with code N as soon as it starts. Restart on-failure with one attempt (Nomad's restart
             * {@code Mode: fail}), so the client gives the task up after one restart; a healthy deadline short enough for
             * the suite, and a minimum healthy time below it, as Nomad requires.
             */
            @Override
            public JobSpec crashingService(String name, int count) {
                TaskSpec crashing = server(98).command("sh", "-c", "echo crashing; exit 1").build();
                JobSpec spec = service(name, count, crashing, UpdatePolicy.rolling().withParallelism(1)
                        .withMinHealthyTime(Duration.ofSeconds(1)).withHealthyDeadline(Duration.ofSeconds(5)).withOnFailure(OnFailure.ROLLBACK));
                return spec.withGroup("web", g -> g.toBuilder().restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, Duration.ofMillis(500))).build());
            }

            @Override
            public JobSpec serviceWithSecret(String name, String secret, String key) {
                return service(name, 1, server(1).secret(SecretMount.env(secret, key, "PASSWORD")).build(), null)
                        .toBuilder().secret(secret).build();
            }

            /** No task runs on the double: the template must read the variable, which must hold the value. */
            @Override
            public void assertSecretReachedTask(Orchestrator o, String jobId, String value) {
                JsonNode registered = nomad.bodies().stream().filter(b -> b.path("Job").path("ID").asText().equals(jobId))
                        .reduce((a, b) -> b).orElseThrow().path("Job");
                JsonNode template = registered.path("TaskGroups").get(0).path("Tasks").get(0).path("Templates").get(0);
                String tmpl = template.path("EmbeddedTmpl").asText();
                assertThat(template.path("Envvars").asBoolean()).isTrue();
                String path = tmpl.replaceAll("(?s).*nomadVar \"([^\"]+)\".*", "$1");
                String key = tmpl.replaceAll("(?s).*index \\. \"([^\"]+)\".*", "$1");
                assertThat(tmpl).startsWith("{{ with nomadVar").contains("PASSWORD=");
                JsonNode variable = nomad.bodies().stream().filter(b -> b.path("Path").asText().equals(path)).reduce((a, b) -> b).orElseThrow();
                assertThat(variable.path("Items").path(key).asText()).isEqualTo(value);
            }

            @Override
            public Optional<JobSpec> unsupportedSpec(String name) {
                return Optional.of(service(name, 1, server(1).port(new PortSpec("dns", null, dev.baton.model.Protocol.UDP)).build(), null));
            }
        };
    }

    @Override
    protected Duration deployTimeout() {
        return Duration.ofSeconds(30);
    }
}
