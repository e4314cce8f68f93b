package dev.baton.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.ConflictException;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.InvalidSpecException;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformException;
import dev.baton.Specs;
import dev.baton.Target;
import dev.baton.Unsupported;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.Violation;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.OnFailure;
import dev.baton.model.PlacementPolicy;
import dev.baton.model.PortSpec;
import dev.baton.model.Resources;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.spi.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the adapter registers on Nomad, against a double that refuses what Nomad's job-register and job-plan endpoints
 * refuse ({@link NomadJobRules}, with Nomad's 500 and text): what Nomad would refuse or ignore is refused before anything
 * is sent, with the field and the reason, or translated into something Nomad does; and Nomad's own validation errors
 * reach the caller as {@link InvalidSpecException}, a stale revert and a scale blocked by a deployment as
 * {@link ConflictException}.
 */
class NomadRegisterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERVICE_NAME = Pattern.compile("^(?i:[a-z0-9]|[a-z0-9][a-z0-9\\-]{0,61}[a-z0-9])$");
    private NomadDouble nomad;
    private WireMockServer wire;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
        if (wire != null) {
            wire.stop();
        }
    }

    private static Orchestrator connect(String address) {
        return Orchestrators.connect(Target.parse("nomad://" + address), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(10)).connectTimeout(Duration.ofSeconds(1))
                .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5))).build());
    }

    private static TaskSpec.Builder server() {
        return TaskSpec.builder("t").image("localhost/x:1").port(PortSpec.dynamic("http"));
    }

    private static JobSpec service(TaskSpec task) {
        return JobSpec.builder("web").group(GroupSpec.builder("g").count(1).task(task).service(ServiceSpec.internal("web", "http")).build()).build();
    }

    private static JsonNode rendered(Orchestrator o, JobSpec spec) throws Exception {
        return JSON.readTree(o.render(spec).content()).path("Job");
    }

    /** The job of the last registration the double took. */
    private JsonNode registered() {
        return nomad.requests.stream().filter(e -> e.getRequest().getMethod().getName().equals("POST") && e.getRequest().getUrl().startsWith("/v1/jobs"))
                .map(e -> {
                    try {
                        return JSON.readTree(e.getRequest().getBodyAsString()).path("Job");
                    } catch (java.io.IOException ex) {
                        throw new IllegalStateException(ex);
                    }
                }).reduce((a, b) -> b).orElseThrow();
    }

    private long writes() {
        return nomad.requests.stream().filter(e -> !e.getRequest().getMethod().getName().equals("GET")).count();
    }

    private static List<String> paths(UnsupportedCapabilityException e) {
        return e.unsupported().stream().map(Unsupported::path).toList();
    }

    /** The double answers an invalid job as Nomad does: 500, the multierror text, nested as Nomad nests it. */
    @Test
    void theDoubleRefusesWhatNomadRefusesWithNomadsStatusAndText() throws Exception {
        ObjectNode job = (ObjectNode) JSON.readTree("""
                {"ID":"web","Name":"web","Type":"service","TaskGroups":[{"Name":"g","Count":1,
                 "Services":[{"Name":"web","PortLabel":"http","Provider":"nomad",
                   "Checks":[{"Type":"script","Command":"cat","TaskName":"t","Interval":10000000000,"Timeout":2000000000}]}],
                 "RestartPolicy":{"Attempts":10,"Delay":300000000000,"Interval":1800000000000,"Mode":"fail"},
                 "Tasks":[{"Name":"t","Driver":"docker","Resources":{"CPU":250,"MemoryMB":8}}]}]}""");
        assertThat(NomadJobRules.errors(job)).isEqualTo("1 error occurred:\n\t* Task group g validation failed: 3 errors occurred:\n"
                + "\t* Nomad can't restart the TaskGroup 10 times in an interval of 30m0s with a delay of 5m0s\n"
                + "\t* Task group service validation failed: 1 error occurred:\n"
                + "\t* Service[0] web validation failed: 1 error occurred:\n"
                + "\t* invalid check type (\"script\"), must be one of tcp, http\n\n\n\n\n"
                + "\t* Task t validation failed: 1 error occurred:\n\t* 1 error occurred:\n\t* 1 error occurred:\n"
                + "\t* minimum MemoryMB value is 10; got 8\n\n\n\n\n\n\n\n\n\n");

        ObjectNode system = (ObjectNode) JSON.readTree("""
                {"ID":"agent","Type":"system","Spreads":[{"Attribute":"${meta.zone}","Weight":100}],
                 "TaskGroups":[{"Name":"g","Tasks":[{"Name":"t","Driver":"docker"}]}]}""");
        assertThat(NomadJobRules.errors(system)).isEqualTo("1 error occurred:\n\t* System jobs may not have a spread block\n\n");

        nomad = new NomadDouble();
        var client = java.net.http.HttpClient.newHttpClient();
        var answer = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + nomad.address() + "/v1/jobs"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().set("Job", system).toString())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(500);
        assertThat(answer.body()).isEqualTo("1 error occurred:\n\t* System jobs may not have a spread block\n\n");
    }

    /** Finding: exec checks with the default nomad service provider (services.go validateNomad: tcp and http only). */
    @Test
    void anExecCheckWithNomadsOwnServiceProviderIsRefusedBeforeAnythingIsSent() throws Exception {
        CheckTiming timing = new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null);
        JobSpec spec = service(server().health(new HealthCheck.Http("http", "/healthz", timing))
                .health(new HealthCheck.Exec(List.of("cat", "/srv/ready"), timing)).build());
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                assertThat(paths(e)).containsExactly("groups[0].tasks[0].health[1]");
                assertThat(e.unsupported().get(0).reason()).contains("consul").contains("baton.dev/service-provider");
            });
            assertThat(o.plan(spec).unsupported()).extracting(Unsupported::path).containsExactly("groups[0].tasks[0].health[1]");
            assertThatThrownBy(() -> o.render(spec)).isInstanceOf(UnsupportedCapabilityException.class);
            assertThat(writes()).isZero();

            // with Consul as the provider the same check is a script check Nomad takes
            JobSpec consul = spec.toBuilder().extension("nomad", Map.of("Meta", Map.of("baton.dev/service-provider", "consul"))).build();
            assertThat(o.deploy(consul).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode check = registered().path("TaskGroups").get(0).path("Services").get(0).path("Checks").get(1);
            assertThat(check.path("Type").asText()).isEqualTo("script");
            assertThat(registered().path("TaskGroups").get(0).path("Services").get(0).path("Provider").asText()).isEqualTo("consul");
        }
        // the capability stays advertised (honoured with the consul provider), with the condition as its reason
        assertThat(NomadProvider.CAPABILITIES.reason("check.exec")).contains("consul");
    }

    /** Finding: "System jobs may not have a spread block" (structs.go Job.Validate). */
    @Test
    void aSpreadOnASystemJobIsRefused() {
        JobSpec system = JobSpec.builder("agent").type(JobType.SYSTEM).group(GroupSpec.builder("g").task(server().build()).build())
                .placement(new PlacementPolicy(List.of(), "node.labels.zone", false)).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThatThrownBy(() -> o.deploy(system)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                    e -> assertThat(paths(e)).containsExactly("placement.spread"));
            assertThat(writes()).isZero();

            JobSpec spread = service(server().build()).toBuilder().placement(new PlacementPolicy(List.of(), "node.labels.zone", false)).build();
            assertThat(o.deploy(spread).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(registered().path("Spreads").get(0).path("Attribute").asText()).isEqualTo("${meta.zone}");
        }
    }

    /** Finding: the service a task's checks get, {@code <job>-<group>-<task>}, must be a name Nomad takes (services.go ValidateName). */
    @Test
    void theServiceOfATasksChecksHasANameWithinNomadsSixtyThreeCharacters() throws Exception {
        String job = "a-rather-long-job-name-for-checking-limits";
        JobSpec spec = JobSpec.builder(job).group(GroupSpec.builder("frontend-workers").count(1)
                .task(TaskSpec.builder("http-server-main").image("localhost/x:1").port(PortSpec.dynamic("http"))
                        .health(new HealthCheck.Tcp("http", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null))).build())
                .build()).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            String name = registered().path("TaskGroups").get(0).path("Services").get(0).path("Name").asText();
            assertThat(name).hasSizeLessThanOrEqualTo(63).startsWith("a-rather-long-job-name").matches(SERVICE_NAME);
            assertThat(rendered(o, spec).path("TaskGroups").get(0).path("Services").get(0).path("Name").asText()).isEqualTo(name);

            // a short one keeps the plain <job>-<group>-<task>
            JobSpec shortName = JobSpec.builder("web").group(GroupSpec.builder("g").task(server()
                    .health(new HealthCheck.Tcp("http", null)).build()).build()).build();
            assertThat(rendered(o, shortName).path("TaskGroups").get(0).path("Services").get(0).path("Name").asText()).isEqualTo("web-g-t");
        }
    }

    /** Finding: MemoryMB below Nomad's minimum (MinResources().MemoryMB 10, structs.go) was passed through. */
    @Test
    void memoryBelowNomadsMinimumIsRefusedWithItsPath() {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            JobSpec small = service(server().resources(Resources.of("100m", "8Mi")).build());
            assertThatThrownBy(() -> o.deploy(small)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                assertThat(paths(e)).containsExactly("groups[0].tasks[0].resources.memory");
                assertThat(e.unsupported().get(0).reason()).contains("10");
            });
            assertThat(writes()).isZero();
            assertThat(o.deploy(service(server().resources(Resources.of("1m", "10Mi")).build())).await(Duration.ofSeconds(10)).outcome())
                    .isEqualTo(Outcome.HEALTHY);
            assertThat(registered().path("TaskGroups").get(0).path("Tasks").get(0).path("Resources").path("CPU").asInt()).isEqualTo(1);
        }
    }

    /** Finding: attempts × delay above the restart interval (RestartPolicy.Validate): the interval grows to fit. */
    @Test
    void restartAttemptsThatDoNotFitNomadsDefaultIntervalGetAnIntervalThatFits() throws Exception {
        JobSpec patient = service(server().build()).withGroup("g",
                g -> g.toBuilder().restart(new RestartPolicy(RestartMode.ON_FAILURE, 10, Duration.ofMinutes(5))).build());
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(o.deploy(patient).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode restart = registered().path("TaskGroups").get(0).path("RestartPolicy");
            assertThat(restart.path("Attempts").asInt()).isEqualTo(10);
            assertThat(restart.path("Delay").asLong()).isEqualTo(Duration.ofMinutes(5).toNanos());
            assertThat(restart.path("Interval").asLong()).isEqualTo(Duration.ofMinutes(50).toNanos());

            // otherwise Nomad's default interval of the job type (api/tasks.go): 30m for service jobs, 24h for batch jobs
            JobSpec quick = service(server().build()).withGroup("g", g -> g.toBuilder().restart(new RestartPolicy(RestartMode.ON_FAILURE, 3, Duration.ofSeconds(5))).build());
            assertThat(rendered(o, quick).path("TaskGroups").get(0).path("RestartPolicy").path("Interval").asLong()).isEqualTo(Duration.ofMinutes(30).toNanos());
            JobSpec batch = JobSpec.builder("once").type(JobType.BATCH).group(GroupSpec.builder("g").task(server().build()).build()).build();
            assertThat(rendered(o, batch).path("TaskGroups").get(0).path("RestartPolicy").path("Interval").asLong()).isEqualTo(Duration.ofHours(24).toNanos());
        }
    }

    /** Finding: Nomad answers a job it refuses with 500 and its validation text; a stale revert with 500; a blocked scale with 400. */
    @Test
    void nomadsValidationErrorsAreInvalidSpecAndItsConflictsConflicts() throws Exception {
        // against the double: a job an extension makes invalid reaches Nomad's validation
        JobSpec negative = service(server().build()).toBuilder().update(UpdatePolicy.rolling())
                .extension("nomad", Map.of("Update", Map.of("MaxParallel", -1))).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThatThrownBy(() -> o.deploy(negative)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                assertThat(e.violations()).extracting(Violation::path).containsExactly("update");
                assertThat(e.violations().get(0).message()).contains("Max parallel can not be less than zero: -1 < 0");
            });
            assertThatThrownBy(() -> o.plan(negative)).isInstanceOf(InvalidSpecException.class);
        }

        // Nomad's text for errors of a group, its service and its task (as the double words it): one violation each, at
        // the spec field, found by the group, task and service names Nomad gives and the spec in the job's meta
        JobSpec spec = service(server().health(new HealthCheck.Http("http", "/", null)).build());
        ObjectNode job;
        try (Orchestrator o = connect("127.0.0.1:1")) {
            job = (ObjectNode) rendered(o, spec);
        }
        ObjectNode group = (ObjectNode) job.path("TaskGroups").get(0);
        group.putObject("RestartPolicy").put("Attempts", 10).put("Delay", Duration.ofMinutes(5).toNanos())
                .put("Interval", Duration.ofMinutes(30).toNanos()).put("Mode", "fail");
        ((ObjectNode) group.path("Services").get(0).path("Checks").get(0)).put("Type", "script").put("Command", "cat").put("TaskName", "t");
        ((ObjectNode) group.path("Tasks").get(0)).putObject("Resources").put("MemoryMB", 8);
        String memory = NomadJobRules.errors(job);
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(500).withBody(memory)));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port())) {
            assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                assertThat(e.violations()).extracting(Violation::path)
                        .containsExactly("groups[0].restart", "groups[0].services[0]", "groups[0].tasks[0].resources.memory");
                assertThat(e.violations()).extracting(Violation::message).satisfiesExactly(
                        m -> assertThat(m).contains("Nomad can't restart the TaskGroup 10 times in an interval of 30m0s with a delay of 5m0s"),
                        m -> assertThat(m).contains("invalid check type (\"script\"), must be one of tcp, http"),
                        m -> assertThat(m).contains("minimum MemoryMB value is 10; got 8"));
            });

            // a 500 that is no validation error stays a platform error
            wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(500).withBody("No cluster leader")));
            assertThatThrownBy(() -> o.deploy(spec)).isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.status()).hasValue(500));

            // revert with EnforcePriorVersion when someone registered in between (job_endpoint.go Revert)
            String specJson = JSON.writeValueAsString(Specs.toJson(spec));
            wire.stubFor(get(urlPathEqualTo("/v1/job/web/versions")).willReturn(aResponse().withStatus(200).withBody(
                    "{\"Versions\":[{\"Version\":1,\"Meta\":{\"baton.dev/version\":\"b\",\"baton.dev/spec\":" + specJson + "}},"
                            + "{\"Version\":0,\"Meta\":{\"baton.dev/version\":\"a\",\"baton.dev/spec\":" + specJson + "}}]}")));
            wire.stubFor(post(urlPathEqualTo("/v1/job/web/revert")).willReturn(aResponse().withStatus(500)
                    .withBody("Current job has version 2; enforcing version 1")));
            assertThatThrownBy(() -> o.rollback("web")).isInstanceOf(ConflictException.class).hasMessageContaining("Current job has version 2");

            // scale while a deployment runs (job_endpoint.go Scale: a coded 400)
            wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(200).withBody(
                    "{\"ID\":\"web\",\"JobModifyIndex\":5,\"Meta\":{\"baton.dev/version\":\"b\",\"baton.dev/spec\":" + specJson + "},\"TaskGroups\":[]}")));
            wire.stubFor(post(urlPathEqualTo("/v1/job/web/scale")).willReturn(aResponse().withStatus(400)
                    .withBody("job scaling blocked due to active deployment")));
            assertThatThrownBy(() -> o.scale("web", "g", 3)).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("job scaling blocked due to active deployment");
        }
    }

    /** Finding: stagger paces only system jobs (update block docs); on a service job {@code update.delay} did nothing. */
    @Test
    void updateDelayIsRefusedOnAServiceJobAndPacesASystemJob() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            JobSpec delayed = service(server().build()).toBuilder().update(UpdatePolicy.rolling().withDelay(Duration.ofSeconds(10))).build();
            assertThatThrownBy(() -> o.deploy(delayed)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                assertThat(paths(e)).containsExactly("update.delay");
                assertThat(e.unsupported().get(0).reason()).contains("min_healthy_time");
            });
            assertThat(writes()).isZero();

            JobSpec system = JobSpec.builder("agent").type(JobType.SYSTEM).group(GroupSpec.builder("g").task(server().build()).build())
                    .update(UpdatePolicy.rolling().withParallelism(2).withDelay(Duration.ofSeconds(10))).build();
            // healthy once its tasks ran for the default min healthy time of 10 s: the await allows more than that
            assertThat(o.deploy(system).await(Duration.ofSeconds(20)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode update = registered().path("Update");
            assertThat(update.path("Stagger").asLong()).isEqualTo(Duration.ofSeconds(10).toNanos());
            assertThat(update.path("MaxParallel").asInt()).isEqualTo(2);
            assertThat(NomadJobRules.ignored(registered())).isEmpty();
        }
    }

    /**
     * Finding: recreate sent MaxParallel 0, which turns deployments off (UpdateStrategy.IsEmpty; reconcile.go
     * createDeployment) while AutoRevert was still sent. Now every allocation is replaced in one pass, with deployments.
     */
    @Test
    void recreateReplacesEveryInstanceAtOnceWithDeploymentsStillOn() throws Exception {
        JobSpec recreate = JobSpec.builder("web").group(GroupSpec.builder("g").count(3).task(server().build()).build())
                .group(GroupSpec.builder("h").count(1).task(server().build()).build())
                .update(UpdatePolicy.recreate().withOnFailure(OnFailure.ROLLBACK)).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(o.deploy(recreate).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode job = registered();
            assertThat(NomadJobRules.ignored(job)).isEmpty();
            assertThat(job.path("Update").path("AutoRevert").asBoolean()).isTrue();
            assertThat(NomadJobRules.update(job, job.path("TaskGroups").get(0)).path("MaxParallel").asInt()).isEqualTo(3);
            assertThat(NomadJobRules.update(job, job.path("TaskGroups").get(1)).path("MaxParallel").asInt()).isEqualTo(1);

            // a system job has no deployments: MaxParallel 0 updates every node at once (scheduler_system.go), and nothing else is sent
            JobSpec system = JobSpec.builder("agent").type(JobType.SYSTEM).group(GroupSpec.builder("g").task(server().build()).build())
                    .update(UpdatePolicy.recreate()).build();
            JsonNode sys = rendered(o, system);
            assertThat(sys.path("Update").path("MaxParallel").asInt()).isZero();
            assertThat(NomadJobRules.ignored(sys)).isEmpty();
        }
    }

    /**
     * Finding: canaries and auto-revert are ignored on system jobs (only max_parallel and stagger are enforced); the
     * health times are kept with the job for Baton's own await, which judges a system job's allocations.
     */
    @Test
    void canaryHealthGatesAndFailureActionsOnASystemJobAreRefused() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            JobSpec system = JobSpec.builder("agent").type(JobType.SYSTEM).group(GroupSpec.builder("g").task(server().build()).build())
                    .update(UpdatePolicy.rolling().withCanary(1).withOnFailure(OnFailure.ROLLBACK).withMinHealthyTime(Duration.ofSeconds(5))
                            .withHealthyDeadline(Duration.ofMinutes(1)))
                    .build();
            assertThatThrownBy(() -> o.deploy(system)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                assertThat(paths(e)).containsExactlyInAnyOrder("update.canary", "update.onFailure");
                assertThat(e.unsupported()).allSatisfy(u -> assertThat(u.reason()).contains("system"));
            });
            JobSpec timed = system.toBuilder().update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ofSeconds(5))
                    .withHealthyDeadline(Duration.ofMinutes(1))).build();
            JsonNode update = rendered(o, timed).path("Update");
            assertThat(update.path("MinHealthyTime").asLong()).isEqualTo(Duration.ofSeconds(5).toNanos());
            assertThat(update.path("HealthyDeadline").asLong()).isEqualTo(Duration.ofMinutes(1).toNanos());
            JobSpec paused = system.toBuilder().update(UpdatePolicy.rolling().withOnFailure(OnFailure.PAUSE)).build();
            assertThatThrownBy(() -> o.deploy(paused)).isInstanceOfSatisfying(UnsupportedCapabilityException.class,
                    e -> assertThat(paths(e)).containsExactly("update.onFailure"));
            // batch and cron jobs take no update block at all (refused by the spec's own rules)
            JobSpec batch = JobSpec.builder("once").type(JobType.BATCH).group(GroupSpec.builder("g").task(server().build()).build())
                    .update(UpdatePolicy.rolling().withCanary(1)).build();
            assertThatThrownBy(() -> o.deploy(batch)).isInstanceOfSatisfying(InvalidSpecException.class,
                    e -> assertThat(e.violations()).extracting(Violation::path).contains("update"));
            assertThat(writes()).isZero();
        }
    }

    /** Finding: a job-level distinct_hosts keeps any two allocations of the job apart (feasible.go); the spec means per group. */
    @Test
    void distinctHostsIsAConstraintOfEachGroupNotOfTheJob() throws Exception {
        JobSpec spec = JobSpec.builder("web").group(GroupSpec.builder("g").count(2).task(server().build()).build())
                .group(GroupSpec.builder("h").count(2).task(server().build()).build())
                .placement(new PlacementPolicy(List.of(dev.baton.model.Constraint.equal("node.os", "linux")), null, true)).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode job = registered();
            assertThat(job.path("Constraints").findValuesAsText("Operand")).doesNotContain("distinct_hosts").contains("=");
            for (JsonNode g : job.path("TaskGroups")) {
                assertThat(g.path("Constraints").findValuesAsText("Operand")).containsExactly("distinct_hosts");
            }
        }
    }

    /**
     * Finding (review of secret paths): a secret given as an environment variable was written unquoted into the env
     * template, which Nomad reads with hashicorp/go-envparse, where an unquoted value ends at '#', '"', '\'' or a newline
     * and is trimmed: a password "pa#ss" reached the task as "pa", one with a newline failed the template. The value is
     * now the item's {@code Value} through consul-template's {@code toJSON} (Go's json.Marshal, dependency
     * nomad_var_structs.go, template funcs.go): a double-quoted value whose escapes are those go-envparse reads.
     */
    @Test
    void aSecretInTheEnvironmentIsWrittenDoubleQuotedWithJsonEscapes() throws Exception {
        JobSpec spec = service(server().secret(dev.baton.model.SecretMount.env("db", "password", "PASSWORD")).build()).toBuilder().secret("db").build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            JsonNode template = rendered(o, spec).path("TaskGroups").get(0).path("Tasks").get(0).path("Templates").get(0);

            assertThat(template.path("Envvars").asBoolean()).isTrue();
            assertThat(template.path("EmbeddedTmpl").asText())
                    .isEqualTo("{{ with nomadVar \"baton/secrets/db\" }}PASSWORD={{ (index . \"password\").Value | toJSON }}{{ end }}\n");
        }
    }

    /** Finding: exec and raw_exec take work_dir since Nomad 1.9.2 (drivers/exec/driver.go, drivers/rawexec/driver.go). */
    @Test
    void aProcessTasksWorkingDirBecomesTheDriversWorkDir() throws Exception {
        JobSpec spec = JobSpec.builder("proc").group(GroupSpec.builder("g").task(TaskSpec.builder("t").command("sleep", "1000")
                .workingDir("/srv").build()).build()).build();
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            assertThat(o.deploy(spec).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            JsonNode config = registered().path("TaskGroups").get(0).path("Tasks").get(0).path("Config");
            assertThat(config.path("command").asText()).isEqualTo("sleep");
            assertThat(config.path("work_dir").asText()).isEqualTo("/srv");
        }
    }

    private static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs/spec.md")) && Files.isRegularFile(p.resolve("examples/specs/web.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("docs/spec.md not found above " + Path.of("").toAbsolutePath());
    }

    /** Finding: the example specs either register on the double or are refused before anything is sent, with the reason. */
    @Test
    void theExampleSpecsRegisterOrAreRefusedUpFrontWithTheReason() throws Exception {
        Path repo = repository();
        JobSpec web = Specs.read(repo.resolve("examples/specs/web.yaml"));
        nomad = new NomadDouble();
        try (Orchestrator o = connect(nomad.address())) {
            // its exec check (the one check kind Swarm runs) needs Consul on Nomad
            assertThatThrownBy(() -> o.deploy(web)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> {
                assertThat(paths(e)).containsExactly("groups[0].tasks[0].health[0]");
                assertThat(e.unsupported().get(0).reason()).contains("consul");
            });
            assertThat(writes()).isZero();
            JobSpec withConsul = web.toBuilder().extension("nomad", Map.of("Meta", Map.of("baton.dev/service-provider", "consul"))).build();
            assertThat(o.deploy(withConsul).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(writes()).isEqualTo(1);
        }

        // the complete example of docs/spec.md: refused before anything is sent, all at once: the capability check's
        // volume size with the adapter's own refusals (the exec check on the nomad provider, a published port other than
        // the task's, update.delay on a service job); best effort cannot drop the adapter's own
        JobSpec example = Specs.read(completeExample());
        try (Orchestrator o = connect(nomad.address())) {
            assertThatThrownBy(() -> o.deploy(example)).isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> assertThat(paths(e))
                    .containsExactlyInAnyOrder("volumes[0].size", "update.delay", "groups[0].tasks[0].health[2]", "groups[0].services[0].publishedPort"));
            assertThatThrownBy(() -> o.deploy(example, dev.baton.DeployOptions.DEFAULT.withBestEffort(true)))
                    .isInstanceOfSatisfying(UnsupportedCapabilityException.class, e -> assertThat(paths(e))
                            .containsExactlyInAnyOrder("volumes[0].size", "update.delay", "groups[0].tasks[0].health[2]",
                                    "groups[0].services[0].publishedPort"));
        }
        assertThat(writes()).isEqualTo(1);
    }

    /** The complete example of docs/spec.md, as YAML. */
    static String completeExample() throws java.io.IOException {
        String doc = Files.readString(repository().resolve("docs/spec.md"));
        Matcher m = Pattern.compile("(?s)```yaml\\n(apiVersion: baton/v1.*?)```").matcher(doc);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
