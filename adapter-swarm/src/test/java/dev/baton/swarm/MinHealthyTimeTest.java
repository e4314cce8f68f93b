package dev.baton.swarm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.model.JobSpec;
import dev.baton.model.UpdatePolicy;
import dev.baton.spi.RetryPolicy;
import dev.baton.spi.SpecVersion;
import dev.baton.status.Event;
import dev.baton.status.Health;
import dev.baton.status.InstanceState;
import dev.baton.status.InstanceStatus;
import dev.baton.status.JobStatus;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.ServiceTranslator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Healthy means stayed healthy: a Swarm task counts once it has been {@code running} for its service's
 * {@code UpdateConfig.Monitor} (the spec's {@code update.minHealthyTime}; swarmkit's default 5 s without one). A
 * container that exits at once is {@code running} for an instant, and a first deploy has no {@code UpdateStatus} to
 * say otherwise. No engine: a stand-in on 127.0.0.1 answers with Engine API 1.41 shapes ({@code Service},
 * {@code Task} with {@code Status.State}/{@code Status.Timestamp}/{@code DesiredState}, {@code /events} objects, as in
 * the engine's swagger.yaml), the services as Baton renders them.
 */
class MinHealthyTimeTest {
    private static final String JOB = "shop";
    /** Every request names the API version the stand-in says it speaks. */
    private static final String API = "/v1.41";
    private WireMockServer engine;
    private SwarmOrchestrator swarm;

    @BeforeEach
    void start() {
        engine = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        engine.start();
        engine.stubFor(get(urlPathEqualTo("/version")).willReturn(okJson("{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\"}")));
        engine.stubFor(get(urlPathEqualTo(API + "/nodes")).willReturn(okJson("[]")));
        engine.stubFor(get(urlPathMatching(API + "/distribution/.*")).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/json").withBody("{\"message\":\"no registry here\"}")));
        swarm = new SwarmOrchestrator(new Engine("tcp://127.0.0.1:" + engine.port(), null, RetryPolicy.none(), Duration.ofSeconds(5), Duration.ofSeconds(30)));
    }

    @AfterEach
    void stop() {
        swarm.close();
        engine.stop();
    }

    /** The crashing workload, with a minHealthyTime long enough that no slow test machine reaches it by accident. */
    private static JobSpec crashing(Duration minHealthyTime) {
        JobSpec spec = new SwarmWorkloads().crashingService(JOB, 1);
        return spec.toBuilder().update(minHealthyTime == null ? null : spec.update().withMinHealthyTime(minHealthyTime)).build();
    }

    private static ObjectNode service(JobSpec spec) {
        ObjectNode s = Engine.JSON.createObjectNode();
        s.put("ID", "svc1");
        s.putObject("Version").put("Index", 11);
        s.set("Spec", ServiceTranslator.services(spec).get(0).spec());
        return s;
    }

    private static ObjectNode task(String id, JobSpec spec, String state, String desired, Instant at) {
        ObjectNode t = Engine.JSON.createObjectNode();
        t.put("ID", id);
        t.put("ServiceID", "svc1");
        t.put("NodeID", "node1");
        t.put("Slot", 1);
        t.put("DesiredState", desired);
        t.putObject("Spec").putObject("ContainerSpec").putObject("Labels").put(SpecVersion.LABEL, SpecVersion.of(spec));
        ObjectNode status = t.putObject("Status");
        status.put("Timestamp", at.toString());
        status.put("State", state);
        status.put("Message", state);
        if (state.equals("failed")) {
            status.put("Err", "task: non-zero exit (1)");
            status.putObject("ContainerStatus").put("ContainerID", "c-" + id).put("ExitCode", 1);
        }
        return t;
    }

    private static String array(ObjectNode... nodes) {
        ArrayNode a = Engine.JSON.createArrayNode();
        for (ObjectNode n : nodes) {
            a.add(n);
        }
        return a.toString();
    }

    private void serve(JobSpec spec, ObjectNode... tasks) {
        engine.stubFor(get(urlPathEqualTo(API + "/services")).willReturn(okJson(array(service(spec)))));
        engine.stubFor(get(urlPathEqualTo(API + "/tasks")).willReturn(okJson(array(tasks))));
    }

    private static InstanceStatus only(JobStatus status) {
        assertThat(status.instances()).hasSize(1);
        return status.instances().get(0);
    }

    @Test
    void aTaskRunningForLessThanMinHealthyTimeIsNotHealthyYet() {
        JobSpec spec = crashing(Duration.ofMinutes(1));
        serve(spec, task("t1", spec, "running", "running", Instant.now().minusSeconds(1)));

        JobStatus status = swarm.status(JOB);

        assertThat(only(status).state()).isEqualTo(InstanceState.RUNNING);
        assertThat(only(status).health()).isEqualTo(Health.UNKNOWN);
        assertThat(only(status).isHealthy()).isFalse();
        assertThat(status.health()).isEqualTo(Health.UNHEALTHY);
    }

    @Test
    void aTaskThatStayedRunningForMinHealthyTimeIsHealthy() {
        JobSpec spec = crashing(Duration.ofMinutes(1));
        serve(spec, task("t1", spec, "running", "running", Instant.now().minus(Duration.ofMinutes(2))));

        JobStatus status = swarm.status(JOB);

        assertThat(only(status).isHealthy()).isTrue();
        assertThat(status.health()).isEqualTo(Health.HEALTHY);
    }

    @Test
    void withoutMinHealthyTimeSwarmKitsDefaultMonitorOfFiveSecondsApplies() {
        JobSpec spec = crashing(null);
        assertThat(service(spec).path("Spec").has("UpdateConfig")).isFalse();
        assertThat(SwarmOrchestrator.minHealthyTime(service(spec))).isEqualTo(Duration.ofSeconds(5));

        serve(spec, task("t1", spec, "running", "running", Instant.now().minusSeconds(1)));
        assertThat(only(swarm.status(JOB)).isHealthy()).isFalse();

        serve(spec, task("t1", spec, "running", "running", Instant.now().minusSeconds(30)));
        assertThat(only(swarm.status(JOB)).isHealthy()).isTrue();
    }

    @Test
    void aFirstDeployWhoseTaskRunsForAnInstantThenExitsEndsFailedNeverHealthy() {
        JobSpec spec = crashing(Duration.ofMinutes(1));
        String scenario = "a task that runs for an instant";
        engine.stubFor(get(urlPathEqualTo(API + "/services")).inScenario("service").whenScenarioStateIs(Scenario.STARTED).willReturn(okJson("[]")));
        engine.stubFor(post(urlPathEqualTo(API + "/services/create")).inScenario("service").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("created").willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("{\"ID\":\"svc1\"}")));
        engine.stubFor(get(urlPathEqualTo(API + "/services")).inScenario("service").whenScenarioStateIs("created").willReturn(okJson(array(service(spec)))));
        // the container dies at once; no event says so (the manager's /events has no task events, and container events
        // only from its own node): the re-read of the job's tasks a quarter second later finds it failed
        engine.stubFor(get(urlPathEqualTo(API + "/events")).willReturn(okJson("")));

        List<Event> events = new CopyOnWriteArrayList<>();
        var deployment = swarm.deploy(spec);
        deployment.onEvent(events::add);
        Instant started = Instant.now();
        engine.stubFor(get(urlPathEqualTo(API + "/tasks")).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("exited")
                .willReturn(okJson(array(task("t1", spec, "running", "running", started)))));
        engine.stubFor(get(urlPathEqualTo(API + "/tasks")).inScenario(scenario).whenScenarioStateIs("exited")
                .willReturn(okJson(array(task("t1", spec, "failed", "shutdown", started.plusMillis(50)),
                        task("t2", spec, "ready", "running", started.plusMillis(60))))));

        DeploymentResult result = deployment.await(Duration.ofSeconds(30));

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.FAILED);
        assertThat(result.message()).contains("t1", "non-zero exit (1)", "Swarm restarts it at most 1 time");
        assertThat(events).noneMatch(e -> e.type() == Event.Type.DEPLOYMENT_SUCCEEDED);
        assertThat(events).anyMatch(e -> e.type() == Event.Type.DEPLOYMENT_FAILED);
    }
}
