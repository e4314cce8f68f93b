package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.NotFoundException;
import dev.baton.PlatformException;
import dev.baton.Selector;
import dev.baton.status.Host;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every request names the Engine API version, negotiated once with {@code GET /version}: unversioned paths are read as
 * the engine's newest API (moby {@code daemon/server/middleware/version.go}), and Docker 29.0 refuses versions below
 * 1.44. The stand-in engine answers {@code /version} and refuses versions outside its range as the engine does.
 */
class ApiVersionTest {
    private final EngineDouble engine = new EngineDouble();

    @AfterEach
    void stop() {
        engine.close();
    }

    private EngineDouble swarm() {
        return engine.on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "m1", "10.0.0.5", "10.0.0.5:2377"))))
                .on("GET", "/services", r -> EngineDouble.Reply.json("[]"));
    }

    private static void useEveryKindOfCall(SwarmOrchestrator swarm) {
        assertThat(swarm.hosts()).extracting(Host::name).containsExactly("m1"); // docker-java's typed client
        assertThat(swarm.list(Selector.all())).isEmpty(); // Baton's own requests
        assertThatThrownBy(() -> swarm.status("shop")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void onADocker2010EngineEveryRequestSpeaksApi141() {
        swarm().versions("20.10.24", "1.41", "1.12");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            useEveryKindOfCall(swarm);
        }

        List<EngineDouble.Seen> seen = engine.requests();
        assertThat(seen.get(0)).satisfies(s -> {
            assertThat(s.path()).isEqualTo("/version");
            assertThat(s.version()).as("the one unversioned request").isNull();
        });
        assertThat(seen.subList(1, seen.size())).isNotEmpty().allSatisfy(s -> assertThat(s.version()).as(s.method() + " " + s.path()).isEqualTo("1.41"));
        assertThat(engine.requests("GET", "/version")).hasSize(1);
    }

    @Test
    void onADocker29EngineThatRefusesOldClientsEveryRequestSpeaksApi144() {
        swarm().versions("29.1.3", "1.52", "1.44");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            useEveryKindOfCall(swarm);
            assertThat(swarm.platform().version()).isEqualTo("29.1.3 (API 1.52), Baton speaks API 1.44");
        }

        assertThat(engine.requests()).filteredOn(s -> !s.path().equals("/version")).isNotEmpty()
                .allSatisfy(s -> assertThat(s.version()).as(s.method() + " " + s.path()).isEqualTo("1.44"));
    }

    @Test
    void anEngineBetweenTheTwoIsSpokenToInItsOwnVersion() {
        swarm().versions("24.0.7", "1.43", "1.12");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            useEveryKindOfCall(swarm);
        }

        assertThat(engine.requests()).filteredOn(s -> !s.path().equals("/version"))
                .allSatisfy(s -> assertThat(s.version()).isEqualTo("1.43"));
    }

    @Test
    void anEngineOlderThanApi141IsRefusedWithoutAnyOtherRequest() {
        swarm().versions("19.03.15", "1.40", "1.12");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThatThrownBy(() -> swarm.status("shop")).isInstanceOf(PlatformException.class)
                    .hasMessageContaining("1.40").hasMessageContaining("needs 1.41");
        }
        assertThat(engine.requests()).extracting(EngineDouble.Seen::path).containsExactly("/version");
    }

    @Test
    void anEngineWhoseMinimumIsAboveBatonsNewestIsRefused() {
        swarm().versions("40.0.0", "1.70", "1.50");
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            assertThatThrownBy(() -> swarm.status("shop")).isInstanceOf(PlatformException.class)
                    .hasMessageContaining("1.50 and newer").hasMessageContaining("1.41 to 1.44");
        }
        assertThat(engine.requests()).extracting(EngineDouble.Seen::path).containsExactly("/version");
    }

    private SwarmOrchestrator connect(String apiVersion) {
        return (SwarmOrchestrator) new SwarmProvider().create(dev.baton.Target.parse("swarm://"), dev.baton.OrchestratorConfig.builder()
                .environment(java.util.Map.of("DOCKER_HOST", engine.address(), "DOCKER_API_VERSION", apiVersion)).build());
    }

    /**
     * DOCKER_API_VERSION, as the docker CLI reads it (docker/cli: the client uses the version given and does not
     * negotiate): every request speaks it and none asks the engine's; the engine's own version is read only when
     * {@code platform()} asks for it.
     */
    @Test
    void aVersionGivenInDockerApiVersionIsSpokenWithoutAsking() {
        swarm().versions("24.0.7", "1.43", "1.12");
        try (SwarmOrchestrator swarm = connect("1.42")) {
            useEveryKindOfCall(swarm);
            assertThat(engine.requests("GET", "/version")).isEmpty();
            assertThat(engine.requests()).isNotEmpty().allSatisfy(s -> assertThat(s.version()).as(s.method() + " " + s.path()).isEqualTo("1.42"));

            assertThat(swarm.platform().version()).isEqualTo("24.0.7 (API 1.43), Baton speaks API 1.42");
            assertThat(engine.requests("GET", "/version")).hasSize(1);
        }
    }

    @Test
    void aDockerApiVersionBatonDoesNotSpeakIsRefusedBeforeAnythingIsSent() {
        swarm();
        assertThatThrownBy(() -> connect("1.40")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DOCKER_API_VERSION=1.40").hasMessageContaining("1.41").hasMessageContaining("1.44");
        assertThatThrownBy(() -> connect("latest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DOCKER_API_VERSION=latest").hasMessageContaining("major.minor");
        assertThat(engine.requests()).isEmpty();
    }
}
