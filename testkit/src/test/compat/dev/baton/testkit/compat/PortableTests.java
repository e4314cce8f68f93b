package dev.baton.testkit.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.Orchestrator;
import dev.baton.testkit.OrchestratorTest;

/**
 * A portable test as a user writes one, compiled and run by JUnitCompatibilityTest against each JUnit version it
 * proves (targets {@code echo://up, echo://down, locl://}).
 */
class PortableTests {
    @OrchestratorTest
    void reachesItsTarget(Orchestrator orchestrator) {
        assertEquals("up", orchestrator.platform().leader());
    }
}
