package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.model.JobSpec;
import dev.baton.status.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The await and {@code watch} follow the job's tasks on every node. The manager's {@code /events} has no task events,
 * and container events only from its own node (moby {@code daemon/cluster/noderunner.go watchClusterEvents}: nodes,
 * services, networks, secrets, configs); so a task on another node changes state without any event the client can
 * see. Here the stand-in engine's tasks run on worker nodes, and its event stream has nothing to say.
 */
class ClusterWideAwaitTest {
    private static final String JOB = "shop";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    private EngineDouble nodes() {
        return engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(
                SwarmShapes.node("n1", "manager", "10.0.0.11", "10.0.0.11:2377"),
                SwarmShapes.node("n2", "worker-2", "10.0.0.12", null),
                SwarmShapes.node("n3", "worker-3", "10.0.0.13", null))));
    }

    @Test
    void aFirstDeployWhoseTaskRunsOnAnotherNodeBecomesHealthyWithoutAnyEvent() {
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1); // minHealthyTime 3 s
        AtomicReference<Instant> created = new AtomicReference<>();
        nodes().on("GET", "/services", r -> EngineDouble.Reply.json(created.get() == null ? "[]" : SwarmShapes.array(SwarmShapes.service("svc1", spec, 11))))
                .on("GET", "/distribution/.*", r -> EngineDouble.Reply.error(500, "Get \"http://localhost/v2/\": dial tcp 127.0.0.1:80: connect: connection refused"))
                .on("POST", "/services/create", r -> {
                    created.set(engine.now());
                    return new EngineDouble.Reply(201, "{\"ID\":\"svc1\"}");
                })
                .on("GET", "/tasks", r -> {
                    Instant runs = created.get().plusMillis(800);
                    boolean running = !engine.now().isBefore(runs);
                    return EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.task("t1", "svc1", "n2", spec,
                            running ? "running" : "preparing", "running", running ? runs : created.get())));
                });

        DeploymentResult result;
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            result = swarm.deploy(spec).await(Duration.ofSeconds(8));
        }

        // one wait of the event window (10 s) would have run past the 8 s deadline
        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(result.status().instances()).singleElement().satisfies(i -> {
            assertThat(i.host()).isEqualTo("worker-2");
            assertThat(i.address()).isEqualTo("10.0.0.12");
        });
        // container events are asked for (they wake the await early for this node's tasks), but none came: the task on
        // worker-2 was followed by the re-reads alone
        assertThat(engine.requests("GET", "/events")).isNotEmpty().allSatisfy(w -> assertThat(w.query().get("filters"))
                .contains("\"service\"").contains("\"node\"").contains("\"container\""));
    }

    @Test
    void aDeployThatOnlyChangesTheCountEndsWhenTheRunningTasksMatchIt() {
        JobSpec one = new SwarmWorkloads().healthyService(JOB, 1, 1);
        JobSpec two = new SwarmWorkloads().healthyService(JOB, 2, 1);
        Instant long_ago = engine.now().minusSeconds(600);
        ObjectNode service = SwarmShapes.service("svc1", one, 11);
        // an earlier update of this service completed long ago
        service.putObject("UpdateStatus").put("State", "completed").put("StartedAt", long_ago.toString())
                .put("CompletedAt", long_ago.plusSeconds(10).toString()).put("Message", "update completed");
        AtomicReference<Instant> updated = new AtomicReference<>();
        nodes().on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(service)))
                .on("GET", "/distribution/.*", r -> EngineDouble.Reply.error(500, "no registry"))
                .on("POST", "/services/svc1/update", r -> {
                    // controlapi UpdateService: the new spec, the version bumped, UpdateStatus reset to nil; the updater finds
                    // no dirty task and starts no update (swarmkit manager/orchestrator/update/updater.go Run)
                    service.set("Spec", r.json());
                    service.putObject("Version").put("Index", 12);
                    service.remove("UpdateStatus");
                    updated.set(engine.now());
                    return EngineDouble.Reply.json("{}");
                })
                .on("GET", "/tasks", r -> {
                    Instant second = updated.get() == null ? null : updated.get().plusMillis(500);
                    boolean two_ = second != null && !engine.now().isBefore(second);
                    return EngineDouble.Reply.json(two_
                            ? SwarmShapes.array(SwarmShapes.task("t1", "svc1", "n2", one, "running", "running", long_ago),
                                    SwarmShapes.task("t2", "svc1", "n3", one, "running", "running", second))
                            : SwarmShapes.array(SwarmShapes.task("t1", "svc1", "n2", one, "running", "running", long_ago)));
                });

        DeploymentResult result;
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            var deployment = swarm.deploy(two);
            assertThat(deployment.changed()).isTrue();
            result = deployment.await(Duration.ofSeconds(20));
        }

        assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
        assertThat(result.status().groups()).singleElement().satisfies(g -> {
            assertThat(g.desired()).isEqualTo(2);
            assertThat(g.healthy()).isEqualTo(2);
        });
        assertThat(engine.requests("POST", "/services/svc1/update")).singleElement()
                .satisfies(u -> assertThat(u.json().path("Mode").path("Replicated").path("Replicas").asInt()).isEqualTo(2));
    }

    @Test
    void watchReportsTasksOnEveryNode() throws Exception {
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 3, 1);
        Instant start = engine.now();
        nodes().on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.service("svc1", spec, 11))))
                .on("GET", "/tasks", r -> {
                    boolean later = engine.now().isAfter(start.plusMillis(1500));
                    String state = later ? "running" : "starting";
                    return EngineDouble.Reply.json(SwarmShapes.array(
                            SwarmShapes.task("t1", "svc1", "n1", spec, state, "running", start),
                            SwarmShapes.task("t2", "svc1", "n2", spec, state, "running", start),
                            SwarmShapes.task("t3", "svc1", "n3", spec, state, "running", start)));
                });
        List<Event> events = new CopyOnWriteArrayList<>();
        try (SwarmOrchestrator swarm = engine.orchestrator(); var subscription = swarm.watch(JOB, events::add)) {
            Instant deadline = Instant.now().plusSeconds(10);
            while (events.stream().filter(e -> e.type() == Event.Type.INSTANCE_STARTED).count() < 3 && Instant.now().isBefore(deadline)) {
                Thread.sleep(100);
            }
        }

        assertThat(events).filteredOn(e -> e.type() == Event.Type.INSTANCE_STARTED)
                .extracting(Event::message).containsExactlyInAnyOrder("task running on manager", "task running on worker-2", "task running on worker-3");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.jobId()).isEqualTo(JOB);
            assertThat(e.group()).isEqualTo("web");
        });
    }

    /**
     * A watch listens on one events request for as long as it lasts (issue 16: keep state from the stream): the re-reads
     * of tasks still moving wait on it rather than each asking for a window of events, and closing the subscription
     * aborts it. It used to be one {@code /events?until=} request per re-read.
     */
    @Test
    void aWatchHoldsOneEventsRequestThroughItsReReadsAndClosingItEndsIt() throws Exception {
        aTaskPendingForEver();
        List<Event> events = new CopyOnWriteArrayList<>();
        try (SwarmOrchestrator swarm = engine.orchestrator(); var subscription = swarm.watch(JOB, events::add)) {
            // a pending task: re-read after a quarter second, a half, a second, two
            Instant deadline = Instant.now().plusSeconds(10);
            while (engine.requests("GET", "/tasks").size() < 4 && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
        }

        assertThat(engine.requests("GET", "/tasks")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(engine.requests("GET", "/events")).singleElement()
                .satisfies(e -> assertThat(e.query()).containsKey("since").doesNotContainKey("until"));
        assertTheWatchsThreadsEnd("after the subscription closed");
    }

    /** A watch its subscriber never closed ends with the orchestrator: it used to go on, reading a closed engine, for ever. */
    @Test
    void aWatchLeftOpenEndsWhenTheOrchestratorCloses() throws Exception {
        aTaskPendingForEver();
        SwarmOrchestrator swarm = engine.orchestrator();
        swarm.watch(JOB, e -> { });
        Instant deadline = Instant.now().plusSeconds(5);
        while (engine.requests("GET", "/events").isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }

        swarm.close();

        assertTheWatchsThreadsEnd("after the orchestrator closed");
    }

    /** The job's one task, pending on worker-2 for as long as the test runs (the watch re-reads it, doubling the wait). */
    private void aTaskPendingForEver() {
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1);
        Instant start = engine.now();
        nodes().on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(
                SwarmShapes.task("t1", "svc1", "n2", spec, "pending", "running", start))));
    }

    /** The watch's thread and its events request's reader end within 3 s. */
    private static void assertTheWatchsThreadsEnd(String when) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(3);
        while (readers().findAny().isPresent() && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        assertThat(readers().map(Thread::getName)).as("the watch's threads " + when).isEmpty();
    }

    private static java.util.stream.Stream<Thread> readers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("baton-swarm-") && t.getName().endsWith("-" + JOB));
    }
}
