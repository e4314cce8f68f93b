package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.model.JobSpec;
import dev.baton.status.Health;
import dev.baton.swarm.internal.Engine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Times sent to the engine and compared with the engine's are the engine's clock, learnt from the {@code Date} header
 * of its responses. A client whose clock is more than the event window behind the engine's, asking for
 * {@code /events?until=<its now + window>}, asked for a window that had already ended; the engine answers such a
 * request at once (moby {@code daemon/server/router/system/system_routes.go getEvents}: {@code onlyPastEvents}), and the
 * await turned into a busy loop. The await now holds one request with no {@code until}; its {@code since} is still
 * the engine's clock. The stand-in engine's clock runs an hour apart from this machine's.
 */
class EngineClockTest {
    private static final String JOB = "shop";
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    private static Instant epoch(String seconds) {
        String[] p = seconds.split("\\.");
        return Instant.ofEpochSecond(Long.parseLong(p[0]), p.length > 1 ? Long.parseLong((p[1] + "000000000").substring(0, 9)) : 0);
    }

    /** A service of one replica scaled to two, whose second task stays pending: the await runs to its deadline. */
    private DeploymentResult scaleThatNeverSettles(SwarmOrchestrator swarm) {
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1);
        Instant started = engine.now().minusSeconds(60);
        engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "m1", "10.0.0.5", "10.0.0.5:2377"))))
                .on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.service("svc1", spec, 11))))
                .on("POST", "/services/svc1/update", r -> EngineDouble.Reply.json("{}"))
                .on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.task("t1", "svc1", "n1", spec, "running", "running", started),
                        SwarmShapes.task("t2", "svc1", "n1", spec, "pending", "running", started))));
        return swarm.scale(JOB, "web", 2).await(Duration.ofSeconds(4));
    }

    @Test
    void withTheEngineAnHourAheadTheAwaitListensOnOneRequestFromTheEnginesNow() {
        engine.clockOffset(Duration.ofHours(1));
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(scaleThatNeverSettles(swarm).outcome()).isEqualTo(Outcome.TIMED_OUT);
        }

        // the re-reads of a pending task (a quarter second, doubling) all wait on the one stream, which has no end: no
        // window that has already ended on the engine's clock can be asked for (an until there made a busy loop)
        assertThat(engine.requests("GET", "/tasks")).hasSizeGreaterThan(3);
        assertThat(engine.requests("GET", "/events")).singleElement().satisfies(w -> {
            assertThat(w.query()).doesNotContainKey("until");
            assertThat(epoch(w.query().get("since"))).as("since, against the engine's clock at the request")
                    .isBefore(w.engineTime()).isAfter(w.engineTime().minusSeconds(30));
        });
    }

    @Test
    void withTheEngineAnHourBehindNoEventAfterTheReadIsOutsideTheStream() {
        engine.clockOffset(Duration.ofHours(-1));
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThat(scaleThatNeverSettles(swarm).outcome()).isEqualTo(Outcome.TIMED_OUT);
        }

        assertThat(engine.requests("GET", "/events")).singleElement().satisfies(w -> {
            // a since in the engine's future would hide every event between the engine's now and it
            assertThat(epoch(w.query().get("since"))).as("since, against the engine's clock at the request").isBefore(w.engineTime());
            assertThat(w.query()).doesNotContainKey("until");
        });
    }

    @Test
    void theEnginesClockIsLearntFromTheDateHeaderOfItsAnswers() {
        engine.clockOffset(Duration.ofHours(1).plusMillis(300));
        try (Engine e = engine.engine()) {
            e.apiVersion(); // one request
            assertThat(Duration.between(engine.now(), e.now()).abs()).isLessThan(Duration.ofMillis(1500));
        }
    }

    @Test
    void minHealthyTimeIsJudgedOnTheEnginesClock() {
        engine.clockOffset(Duration.ofHours(1));
        JobSpec spec = new SwarmWorkloads().healthyService(JOB, 1, 1); // minHealthyTime 3 s
        engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "m1", "10.0.0.5", "10.0.0.5:2377"))))
                .on("GET", "/services", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.service("svc1", spec, 11))))
                .on("GET", "/tasks", r -> EngineDouble.Reply.json(SwarmShapes.array(
                        SwarmShapes.task("t1", "svc1", "n1", spec, "running", "running", engine.now().minusSeconds(20)))));
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            // running for 20 s by the engine's clock; by this machine's it starts in an hour
            assertThat(swarm.status(JOB).health()).isEqualTo(Health.HEALTHY);
        }
    }
}
