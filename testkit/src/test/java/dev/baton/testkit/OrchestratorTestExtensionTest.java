package dev.baton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.baton.Orchestrator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

class OrchestratorTestExtensionTest {
    static final List<String> SEEN = new CopyOnWriteArrayList<>();

    /** Run only through the engine test kit below. */
    static class Portable {
        @OrchestratorTest
        void runsOncePerTarget(Orchestrator orchestrator) {
            SEEN.add(orchestrator.platform().leader());
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty(OrchestratorTestExtension.TARGETS_PROPERTY);
        System.clearProperty(OrchestratorTestExtension.REQUIRE_PROPERTY);
        SEEN.clear();
    }

    @Test
    void aTargetNoAdapterServesFailsTheTestWithTheReasonInsteadOfSkippingIt() {
        System.setProperty(OrchestratorTestExtension.TARGETS_PROPERTY, "locl://, nomad://127.0.0.1:1");

        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Portable.class)).execute().testEvents();

        events.assertStatistics(s -> s.failed(2).skipped(0).succeeded(0));
        assertThat(events.failed().stream().map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("")))
                .anySatisfy(m -> assertThat(m).contains("target locl:// cannot be used").contains("no provider supports the scheme locl://"))
                .anySatisfy(m -> assertThat(m).contains("target nomad://127.0.0.1:1 cannot be used").contains("baton-nomad"));
    }

    @Test
    void anUnreachableTargetFailsWhenTargetsAreRequired() {
        System.setProperty(OrchestratorTestExtension.TARGETS_PROPERTY, "echo://down");
        System.setProperty(OrchestratorTestExtension.REQUIRE_PROPERTY, "true");

        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Portable.class)).execute().testEvents();

        events.assertStatistics(s -> s.failed(1).skipped(0));
    }

    @Test
    void runsOncePerTargetAndSkipsTheUnreachableOnesWithTheReason() {
        System.setProperty(OrchestratorTestExtension.TARGETS_PROPERTY, "echo://up, echo://down");
        System.setProperty(OrchestratorTestExtension.REQUIRE_PROPERTY, "false"); // CI exports BATON_REQUIRE_TARGETS=true

        Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Portable.class)).execute()
                .testEvents();

        events.assertStatistics(s -> s.succeeded(1).skipped(1).failed(0));
        assertThat(events.skipped().stream().map(e -> e.getPayload(String.class).orElse("")))
                .singleElement().asString().contains("target echo://down is unavailable").contains("connection refused");
        assertThat(SEEN).containsExactly("up");
    }

    @Test
    void defaultsToTheLocalTarget() {
        assertThat(OrchestratorTestExtension.targets()).containsExactly(
                System.getenv(OrchestratorTestExtension.TARGETS_ENV) == null ? "local://embedded" : System.getenv(OrchestratorTestExtension.TARGETS_ENV));
    }
}
