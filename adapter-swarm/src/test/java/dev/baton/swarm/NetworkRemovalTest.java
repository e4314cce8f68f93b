package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.ConflictException;
import dev.baton.model.Extensions;
import dev.baton.model.JobSpec;
import dev.baton.swarm.internal.RegistryAuth;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Undeploy removes the job's overlay network once Swarm lets it go. swarmkit refuses while a task on the network has
 * a desired and a current state not past running ({@code manager/controlapi/network.go removeNetwork}: "network %s is
 * in use by task %s", FailedPrecondition, which the engine answers with 400); the stand-in engine applies that rule to
 * its tasks, whose removal takes longer than the ten seconds the adapter used to give up after, silently. Once swarmkit
 * has accepted the removal, the engine keeps its own copy of the network until the tasks have stopped.
 */
class NetworkRemovalTest {
    private static final String JOB = "shop";
    private static final String NETWORK = "shop_default";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    /** A job on its overlay network whose one task is still running for {@code stopping} after its service is removed. */
    private void jobWhoseTaskStops(Duration stopping) {
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1).toBuilder().extensions(Extensions.NONE).build();
        ObjectNode service = SwarmShapes.service("svc1", spec, 11);
        AtomicReference<Instant> removed = new AtomicReference<>();
        engine.on("GET", "/services", r -> EngineDouble.Reply.json(removed.get() == null ? SwarmShapes.array(service) : "[]"))
                .on("DELETE", "/services/svc1", r -> {
                    removed.set(engine.now());
                    return EngineDouble.Reply.json("");
                })
                .on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(task(spec, removed.get(), stopping))))
                .on("DELETE", "/networks/" + NETWORK, r -> {
                    ObjectNode t = task(spec, removed.get(), stopping);
                    boolean holds = t.path("DesiredState").asText().equals("running") && t.path("Status").path("State").asText().equals("running");
                    if (holds) {
                        return EngineDouble.Reply.error(400, "rpc error: code = FailedPrecondition desc = network k8v0m2gq1tqx is in use by task t1");
                    }
                    networkRemoved.compareAndSet(null, engine.now());
                    return new EngineDouble.Reply(204, "");
                })
                // the engine keeps its own copy of the network until its tasks have left it
                .on("GET", "/networks/" + NETWORK, r -> networkRemoved.get() == null || task(spec, removed.get(), stopping).path("Status").path("State").asText().equals("running")
                        ? EngineDouble.Reply.json("{\"Name\":\"" + NETWORK + "\",\"Id\":\"k8v0m2gq1tqx\",\"Scope\":\"swarm\",\"Driver\":\"overlay\"}")
                        : EngineDouble.Reply.error(404, "network " + NETWORK + " not found"));
    }

    private final AtomicReference<Instant> networkRemoved = new AtomicReference<>();
    /** When the job's task is marked for removal (desired state remove), after its service is removed. */
    private Duration marking = Duration.ofHours(2);

    private ObjectNode task(JobSpec spec, Instant removed, Duration stopping) {
        boolean gone = removed != null && engine.now().isAfter(removed.plus(stopping));
        boolean marked = removed != null && engine.now().isAfter(removed.plus(marking));
        return SwarmShapes.task("t1", "svc1", "n1", spec, gone ? "shutdown" : "running", gone || marked ? "remove" : "running", Instant.now().minusSeconds(60));
    }

    @Test
    void undeployWaitsForTheTasksToLetTheNetworkGoEvenPastTenSeconds() {
        jobWhoseTaskStops(Duration.ofSeconds(11));
        try (SwarmOrchestrator swarm = engine.orchestrator(RegistryAuth.none(), Duration.ofSeconds(30))) {
            swarm.undeploy(JOB);
        }

        var removals = engine.requests("DELETE", "/networks/" + NETWORK);
        assertThat(removals.size()).isGreaterThan(1);
        assertThat(removals.get(removals.size() - 1).engineTime()).isAfter(engine.requests("DELETE", "/services/svc1").get(0).engineTime().plusSeconds(11));
        // the job's tasks are read between attempts (by the job's label: the service is gone)
        assertThat(engine.requests("GET", "/tasks")).isNotEmpty().allSatisfy(t -> assertThat(t.query().get("filters")).contains("baton.dev/job=" + JOB));
    }

    @Test
    void undeployReturnsOnlyOnceTheStoppingTasksHaveLetTheAcceptedRemovalHappen() {
        // as Docker 20.10 here: the orchestrator marks the task for removal at once, swarmkit accepts the removal, and the
        // task takes its stop grace period (the engine's own copy of the network stays until then)
        marking = Duration.ZERO;
        jobWhoseTaskStops(Duration.ofSeconds(3));
        try (SwarmOrchestrator swarm = engine.orchestrator(RegistryAuth.none(), Duration.ofSeconds(30))) {
            swarm.undeploy(JOB);
        }

        Instant serviceRemoved = engine.requests("DELETE", "/services/svc1").get(0).engineTime();
        assertThat(engine.requests("DELETE", "/networks/" + NETWORK)).hasSize(1);
        assertThat(engine.requests("GET", "/networks/" + NETWORK)).last().satisfies(g -> assertThat(g.engineTime()).isAfter(serviceRemoved.plusSeconds(3)));
    }

    @Test
    void aNetworkStillInUseAfterTheLimitIsAClearErrorNotASilentLeftover() {
        jobWhoseTaskStops(Duration.ofHours(1));
        try (SwarmOrchestrator swarm = engine.orchestrator(RegistryAuth.none(), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> swarm.undeploy(JOB)).isInstanceOf(ConflictException.class)
                    .hasMessageContaining("overlay network " + NETWORK)
                    .hasMessageContaining("in use by task t1")
                    .hasMessageContaining("t1 (running, desired running)")
                    .hasMessageContaining("docker network rm " + NETWORK);
        }
    }

    @Test
    void aJobOnTheHostsNetworkHasNoNetworkToRemoveAndUndeployDoesNotWaitForOne() {
        // the service spec names a network (the host's), but the deploy created none: nothing to remove, no task to wait for
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1);
        ObjectNode service = SwarmShapes.service("svc1", spec, 11);
        assertThat(service.path("Spec").path("TaskTemplate").path("Networks").size()).isPositive();
        engine.on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(service)))
                .on("DELETE", "/services/svc1", r -> EngineDouble.Reply.json(""));

        try (SwarmOrchestrator swarm = engine.orchestrator(RegistryAuth.none(), Duration.ofSeconds(30))) {
            swarm.undeploy(JOB);
        }

        assertThat(engine.requests()).extracting(r -> r.method() + " " + r.path())
                .containsExactly("GET /version", "GET /services", "DELETE /services/svc1");
    }
}
