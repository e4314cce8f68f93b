package dev.baton.nomad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.ConflictException;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.UnsupportedCapabilityException;
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.JobType;
import dev.baton.model.PortSpec;
import dev.baton.model.RestartMode;
import dev.baton.model.RestartPolicy;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.status.Health;
import dev.baton.status.InstanceStatus;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Following what Nomad does after a write: health of system jobs (no deployments), the deployment of the version
 * written (not an older one), scaling refused during a deployment and for system jobs, a stale revert. Each test also
 * checks that {@link NomadDouble} answers there as Nomad does.
 */
class NomadRolloutTest {
    private NomadDouble nomad;

    @AfterEach
    void stop() {
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    /**
     * A system job: one allocation per node, an http check on a nomad-provider service; the job's update block's min
     * healthy time set through the extension (Nomad ignores it for system jobs and Baton refuses it in the spec, but the
     * adapter judges a system allocation by it when it is there; Nomad's default is 10s).
     */
    static JobSpec system(String name, TaskSpec.Builder task) {
        return JobSpec.builder(name).type(JobType.SYSTEM)
                .group(GroupSpec.builder("agent").task(task.build()).service(ServiceSpec.internal(name, "http")).build())
                .extension("nomad", Map.of("Update", Map.of("MinHealthyTime", Duration.ofSeconds(1).toNanos())))
                .build();
    }

    static TaskSpec.Builder agent(int generation) {
        return TaskSpec.builder("agent").image("localhost/agent:1").env("GENERATION", Integer.toString(generation)).port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)));
    }

    /**
     * Finding 2: Nomad judges health only for service jobs (client/allocrunner/health_hook.go: a no-op for other
     * types; no deployment for system jobs), so a system allocation's DeploymentStatus stays null. The adapter judges it:
     * tasks running for the min healthy time, then the nomad-provider checks passing at /v1/allocation/:id/checks.
     */
    @Test
    void aSystemJobWithChecksBecomesHealthyByItsTasksAndChecks() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            DeploymentResult r = o.deploy(system("agents", agent(1))).await(Duration.ofSeconds(15));

            assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.HEALTHY);
            assertThat(r.status().groups().get(0).desired()).isEqualTo(2);
            assertThat(r.status().instances()).hasSize(2).extracting(InstanceStatus::host).containsExactlyInAnyOrder("node-1", "node-2");
            assertThat(r.status().instances()).allSatisfy(i -> assertThat(i.health()).isEqualTo(Health.HEALTHY));
            // the double: no deployment and no health verdict for a system job; the checks on the client
            assertThat(NomadReadTest.getJson(nomad.address(), "/v1/job/agents/deployment").isNull()).isTrue();
            JsonNode stubs = NomadReadTest.getJson(nomad.address(), "/v1/job/agents/allocations");
            assertThat(stubs).hasSize(2).allSatisfy(a -> assertThat(a.path("DeploymentStatus").isNull()).isTrue());
            JsonNode checks = NomadReadTest.getJson(nomad.address(), "/v1/allocation/" + stubs.get(0).path("ID").asText() + "/checks");
            assertThat(checks.properties()).singleElement().satisfies(c -> {
                assertThat(c.getValue().path("Status").asText()).isEqualTo("success");
                assertThat(c.getValue().path("Mode").asText()).isEqualTo("healthiness");
                assertThat(c.getValue().path("Service").asText()).isEqualTo("agents");
            });
            assertThat(nomad.requests).anyMatch(e -> e.getRequest().getUrl().matches("/v1/allocation/[-0-9a-f]+/checks"));
            // waiting for the min healthy time and the checks is a blocking query with a wait, not a poll
            assertThat(nomad.requests).filteredOn(e -> e.getRequest().getUrl().contains("index=")).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.getRequest().getUrl())
                            .matches("/v1/allocations\\?filter=JobID%20%3D%3D%20%22agents%22&resources=true&index=[1-9]\\d*&wait=\\d+s"));
        }
    }

    /** Finding 2: a system allocation whose task exits at once fails (restart policy exhausted): the await ends FAILED. */
    @Test
    void aSystemJobWhoseTaskExitsAtOnceFails() {
        nomad = new NomadDouble();
        JobSpec crashing = system("crashers", agent(2).command("sh", "-c", "echo crashing; exit 2"));
        crashing = crashing.withGroup("agent", g -> g.toBuilder().restart(new RestartPolicy(RestartMode.ON_FAILURE, 1, Duration.ofMillis(200))).build());
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            DeploymentResult r = o.deploy(crashing).await(Duration.ofSeconds(15));

            assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.FAILED);
            assertThat(r.message()).contains("allocation crashers.agent[").contains("failed").contains("exit code 2");
        }
    }

    /**
     * Finding 3: the scheduler creates a version's deployment a moment after the registration, so
     * /v1/job/:id/deployment first answers the previous one; the await waits for the deployment of the version written
     * (its JobVersion, from the register answer's JobModifyIndex) instead of taking the older, failed one.
     */
    @Test
    void anOlderFailedDeploymentIsNotTakenForTheNewVersions() throws Exception {
        nomad = new NomadDouble();
        JobSpec failing = NomadRequestsTest.job().withGroup("g", g -> g.toBuilder().tasks(g.tasks().stream()
                .map(t -> t.toBuilder().env("FAIL", "1").build()).toList()).build())
                .toBuilder().update(UpdatePolicy.rolling().withMinHealthyTime(Duration.ofMillis(500)).withHealthyDeadline(Duration.ofSeconds(1))).build();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            DeploymentResult first = o.deploy(failing).await(Duration.ofSeconds(10));
            assertThat(first.outcome()).as(first.message()).isEqualTo(Outcome.FAILED);

            // a busy scheduler: the new version's deployment comes half a second after the registration
            nomad.schedulingDelay(Duration.ofMillis(500));
            var second = o.deploy(NomadRequestsTest.job());
            // the double: right after the registration the latest deployment is still the failed one of version 0
            JsonNode latest = NomadReadTest.getJson(nomad.address(), "/v1/job/web/deployment");
            assertThat(latest.path("JobVersion").asLong()).isZero();
            assertThat(latest.path("Status").asText()).isEqualTo("failed");

            DeploymentResult r = second.await(Duration.ofSeconds(10));

            assertThat(r.outcome()).as(r.message()).isEqualTo(Outcome.HEALTHY);
            JsonNode now = NomadReadTest.getJson(nomad.address(), "/v1/job/web/deployment");
            assertThat(now.path("JobVersion").asLong()).isEqualTo(1);
            assertThat(now.path("Status").asText()).isEqualTo("successful");
        }
    }

    /**
     * Finding 4: Nomad refuses a scale while the job's deployment is active, with a 400 {@code job scaling blocked due
     * to active deployment} (nomad/job_endpoint.go Scale): a ConflictException.
     */
    @Test
    void scalingDuringAnActiveDeploymentIsAConflict() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(NomadRequestsTest.job()).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            // canaries waiting for a manual promotion keep the deployment running
            o.deploy(NomadRequestsTest.job().toBuilder().update(UpdatePolicy.rolling().withCanary(1))
                    .extension("nomad", Map.of("Update", Map.of("AutoPromote", false))).build());
            long until = System.currentTimeMillis() + 5000;
            while (!NomadReadTest.getJson(nomad.address(), "/v1/job/web/deployment").path("StatusDescription").asText().contains("promotion")
                    && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            HttpResponse<String> raw = NomadReadTest.http("POST", nomad.address(), "/v1/job/web/scale",
                    "{\"Count\":3,\"Target\":{\"Group\":\"g\"}}");
            assertThat(raw.statusCode()).isEqualTo(400);
            assertThat(raw.body()).isEqualTo("job scaling blocked due to active deployment");

            assertThatThrownBy(() -> o.scale("web", "g", 3)).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("job scaling blocked due to active deployment");
        }
    }

    /** Finding 4: scaling a system job is refused before anything is sent; Nomad would answer {@code cannot scale jobs of type "system"}. */
    @Test
    void scalingASystemJobIsRefusedBeforeAnythingIsSent() throws Exception {
        nomad = new NomadDouble();
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            o.deploy(system("agents", agent(1)));
            HttpResponse<String> raw = NomadReadTest.http("POST", nomad.address(), "/v1/job/agents/scale",
                    "{\"Count\":3,\"Target\":{\"Group\":\"agent\"}}");
            assertThat(raw.statusCode()).isEqualTo(400);
            assertThat(raw.body()).isEqualTo("cannot scale jobs of type \"system\"");
            int before = nomad.requests.size();

            assertThatThrownBy(() -> o.scale("agents", "agent", 3)).isInstanceOf(UnsupportedCapabilityException.class)
                    .hasMessageContaining("scaling a system job");
            assertThat(nomad.requests.subList(before, nomad.requests.size())).noneMatch(e -> !e.getRequest().getMethod().getName().equals("GET"));
        }
    }

    /**
     * Finding 9: a revert whose EnforcePriorVersion is no longer the current version is refused with an uncoded error,
     * HTTP 500 {@code Current job has version 2; enforcing version 1} (nomad/job_endpoint.go Revert): a conflict.
     */
    @Test
    void aRollbackAgainstAJobChangedMeanwhileIsAConflict() throws Exception {
        nomad = new NomadDouble();
        JobSpec v1 = NomadRequestsTest.job();
        JobSpec v2 = v1.withGroup("g", g -> g.toBuilder().tasks(g.tasks().stream().map(t -> t.toBuilder().env("GENERATION", "2").build()).toList()).build());
        JobSpec v3 = v1.withGroup("g", g -> g.toBuilder().tasks(g.tasks().stream().map(t -> t.toBuilder().env("GENERATION", "3").build()).toList()).build());
        try (Orchestrator o = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10));
                Orchestrator other = NomadRequestsTest.connect(nomad.address(), Duration.ofSeconds(10))) {
            assertThat(o.deploy(v1).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            assertThat(o.deploy(v2).await(Duration.ofSeconds(10)).outcome()).isEqualTo(Outcome.HEALTHY);
            // someone registers v3 between the adapter's read of the versions and its revert
            nomad.beforeNext("POST /v1/job/web/revert", () -> other.deploy(v3));

            assertThatThrownBy(() -> o.rollback("web")).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("Current job has version 2; enforcing version 1");
            assertThat(nomad.server.getAllServeEvents()).filteredOn(e -> e.getRequest().getUrl().startsWith("/v1/job/web/revert"))
                    .singleElement().satisfies(e -> assertThat(e.getResponse().getStatus()).isEqualTo(500));
        }
    }
}
