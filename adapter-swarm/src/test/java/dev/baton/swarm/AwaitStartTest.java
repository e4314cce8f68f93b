package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.model.JobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an await reads before it knows anything new (issue 16: re-read only what you cannot know). A service the
 * deploy has just created is what the deploy sent, with the id the engine answered: it is not read back. Its tasks
 * are new, so the first read of them waits for the first event or re-read time. The nodes (a task's host) are read
 * when a task is on a node the orchestrator has not read yet, and kept for the next await.
 */
class AwaitStartTest {
    private static final String JOB = "shop";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    /** An engine on which a created service's one task runs on worker-2, 300 ms after the create, with no event. */
    private void swarm(JobSpec spec) {
        swarm(spec, Duration.ofMillis(300));
    }

    /** An engine on which a created service's one task runs on worker-2, {@code runsAfter} the create, with no event. */
    private void swarm(JobSpec spec, Duration runsAfter) {
        AtomicReference<Instant> created = new AtomicReference<>();
        engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.node("n1", "manager", "10.0.0.11", "10.0.0.11:2377"),
                        SwarmShapes.node("n2", "worker-2", "10.0.0.12", null))))
                .on("GET", "/services", r -> EngineDouble.Reply.json(created.get() == null ? "[]" : SwarmShapes.array(SwarmShapes.service("svc1", spec, 11))))
                .on("GET", "/distribution/.*", r -> EngineDouble.Reply.error(500, "Get \"http://localhost/v2/\": dial tcp 127.0.0.1:80: connect: connection refused"))
                .on("POST", "/services/create", r -> {
                    created.set(engine.now());
                    return new EngineDouble.Reply(201, "{\"ID\":\"svc1\"}");
                })
                .on("DELETE", "/services/svc1", r -> {
                    created.set(null);
                    return new EngineDouble.Reply(200, "");
                })
                .on("GET", "/tasks", r -> {
                    if (created.get() == null) {
                        return EngineDouble.Reply.json("[]");
                    }
                    Instant runs = created.get().plus(runsAfter);
                    boolean running = !engine.now().isBefore(runs);
                    return EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.task("t1", "svc1", "n2", spec,
                            running ? "running" : "preparing", "running", running ? runs : created.get())));
                });
    }

    /** One replica that counts as soon as it runs (minHealthyTime 1 ms). */
    private static JobSpec spec() {
        return new SwarmWorkloads().healthyService(JOB, 1, 1).toBuilder()
                .update(dev.baton.model.UpdatePolicy.rolling().withParallelism(1).withMinHealthyTime(Duration.ofMillis(1))).build();
    }

    private static List<String> calls(List<EngineDouble.Seen> seen) {
        return seen.stream().map(s -> s.method() + " " + s.path()).toList();
    }

    @Test
    void theAwaitOfAFirstDeployReadsNeitherTheServiceItCreatedNorItsNewTasksAtOnce() {
        JobSpec spec = spec();
        swarm(spec);

        DeploymentResult result;
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            result = swarm.deploy(spec).await(Duration.ofSeconds(8));
        }

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(result.status().instances()).singleElement().satisfies(i -> assertThat(i.host()).isEqualTo("worker-2"));
        List<String> calls = calls(engine.requests());
        List<String> afterCreate = calls.subList(calls.indexOf("POST /services/create") + 1, calls.size());
        // the service as sent, not read back; the first wait before the first read of the tasks
        assertThat(afterCreate).doesNotContain("GET /services").first().isEqualTo("GET /events");
        // the nodes once, when a task named one
        assertThat(afterCreate).containsOnlyOnce("GET /nodes");
        assertThat(afterCreate.indexOf("GET /nodes")).isGreaterThan(afterCreate.indexOf("GET /tasks"));
    }

    @Test
    void theNodesReadByOneAwaitServeTheNextWhileTheyKnowTheTasksNodes() {
        JobSpec spec = spec();
        swarm(spec);

        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(swarm.deploy(spec).await(Duration.ofSeconds(8)).outcome()).isEqualTo(Outcome.HEALTHY);
            swarm.undeploy(JOB);
            int before = engine.requests("GET", "/nodes").size();

            DeploymentResult again = swarm.deploy(spec).await(Duration.ofSeconds(8));

            assertThat(again.outcome()).as(again.message()).isEqualTo(Outcome.HEALTHY);
            assertThat(again.status().instances()).singleElement().satisfies(i -> {
                assertThat(i.host()).isEqualTo("worker-2");
                assertThat(i.address()).isEqualTo("10.0.0.12");
            });
            assertThat(engine.requests("GET", "/nodes")).hasSize(before);
        }
    }

    /**
     * The one events request of an await that the engine ends (it restarted, a proxy cut the idle stream) is opened
     * again after the job's state is read again; the await goes on to its end.
     */
    @Test
    void anEventStreamThatEndsIsOpenedAgainAndTheAwaitGoesOn() {
        JobSpec spec = spec();
        // running 2 s after the create, the stream ending every 300 ms before
        engine.eventsHeldFor(Duration.ofMillis(300));
        swarm(spec, Duration.ofSeconds(2));

        DeploymentResult result;
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            result = swarm.deploy(spec).await(Duration.ofSeconds(8));
        }

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(engine.requests("GET", "/events")).hasSizeGreaterThan(2)
                .allSatisfy(w -> assertThat(w.query()).containsKey("since").doesNotContainKey("until"));
        // each end read the service again (what changed while nobody listened is not known)
        List<String> calls = calls(engine.requests());
        assertThat(calls.subList(calls.indexOf("POST /services/create") + 1, calls.size())).contains("GET /services");
    }

    /**
     * An await whose thread is interrupted ends as INTERRUPTED (the deployment goes on), and its events request ends
     * with it. It used to end at once as TIMED_OUT, "not finished after 60s".
     */
    @Test
    void anInterruptedAwaitSaysSoAndLetsGoOfItsEventsRequest() throws Exception {
        JobSpec spec = spec();
        swarm(spec, Duration.ofSeconds(60));

        AtomicReference<DeploymentResult> result = new AtomicReference<>();
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            var deployment = swarm.deploy(spec);
            Thread waiter = new Thread(() -> result.set(deployment.await(Duration.ofSeconds(60))));
            waiter.start();
            Instant until = Instant.now().plusSeconds(5);
            while (engine.requests("GET", "/events").isEmpty() && Instant.now().isBefore(until)) {
                Thread.sleep(20);
            }
            waiter.interrupt();
            waiter.join(5000);
            assertThat(waiter.isAlive()).isFalse();
        }

        assertThat(result.get().outcome()).as(result.get().message()).isEqualTo(Outcome.INTERRUPTED);
        Instant until = Instant.now().plusSeconds(2);
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals("baton-swarm-await-" + JOB))
                && Instant.now().isBefore(until)) {
            Thread.sleep(20);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive() && t.getName().equals("baton-swarm-await-" + JOB));
    }
}
