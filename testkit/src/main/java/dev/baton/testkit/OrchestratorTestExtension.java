package dev.baton.testkit;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorException;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.UnsupportedCapabilityException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

/**
 * Runs an {@link OrchestratorTest} once per configured target and supplies the connected {@link Orchestrator}.
 *
 * @since 0.1
 */
public final class OrchestratorTestExtension implements TestTemplateInvocationContextProvider {
    /** The environment variable with the targets. */
    public static final String TARGETS_ENV = "BATON_TARGETS";
    /** The system property with the targets; it wins over the environment variable. */
    public static final String TARGETS_PROPERTY = "baton.targets";

    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(OrchestratorTest.class)).orElse(false);
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        return targets().stream().map(TargetContext::new);
    }

    /** The target when none is named. */
    public static final String DEFAULT_TARGET = "local://embedded";

    /**
     * The targets from {@code baton.targets} or {@code BATON_TARGETS}, else {@code local://embedded}: a supervisor in
     * the test JVM with a state directory of its own, so a test run leaves no process or daemon behind.
     */
    public static List<String> targets() {
        String spec = System.getProperty(TARGETS_PROPERTY);
        if (spec == null || spec.isBlank()) {
            spec = System.getenv(TARGETS_ENV);
        }
        if (spec == null || spec.isBlank()) {
            spec = DEFAULT_TARGET;
        }
        return Arrays.stream(spec.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static final class TargetContext implements TestTemplateInvocationContext {
        private final String target;

        TargetContext(String target) {
            this.target = target;
        }

        @Override
        public String getDisplayName(int invocationIndex) {
            return "[" + target + "]";
        }

        @Override
        public List<Extension> getAdditionalExtensions() {
            return List.of(new Connection(target));
        }
    }

    /**
     * Whether an unreachable target fails its tests instead of skipping them: environment variable
     * {@code BATON_REQUIRE_TARGETS=true} or system property {@code baton.requireTargets=true} (CI sets it).
     */
    static boolean targetsRequired() {
        String v = System.getProperty(REQUIRE_PROPERTY, System.getenv(REQUIRE_ENV));
        return Boolean.parseBoolean(v);
    }

    /** The environment variable that makes an unreachable target a failure. */
    public static final String REQUIRE_ENV = "BATON_REQUIRE_TARGETS";
    /** The system property that makes an unreachable target a failure. */
    public static final String REQUIRE_PROPERTY = "baton.requireTargets";

    /**
     * Connects before the test and closes after. A target that cannot be right (a malformed endpoint, a scheme no
     * provider serves, a missing adapter artifact) fails the test with the reason, since nothing was tested; a target
     * that is only unreachable skips it with the reason, also printed on the console, or fails it when targets are
     * required.
     */
    private static final class Connection implements ExecutionCondition, ParameterResolver, AfterEachCallback {
        private final String target;
        private Orchestrator orchestrator;
        private String unavailable;
        private String misconfigured;

        Connection(String target) {
            this.target = target;
        }

        private synchronized void connect() {
            if (orchestrator != null || unavailable != null || misconfigured != null) {
                return;
            }
            Orchestrator o;
            try {
                o = Orchestrators.connect(Target.parse(target), dev.baton.OrchestratorConfig.defaults());
            } catch (UnsupportedCapabilityException | IllegalArgumentException e) {
                misconfigured = "target " + target + " cannot be used: " + e.getMessage();
                return;
            }
            try {
                o.platform();
                orchestrator = o;
            } catch (OrchestratorException e) {
                o.close();
                String why = "target " + target + " is unavailable: " + e.getMessage();
                if (targetsRequired()) {
                    misconfigured = why + " (" + REQUIRE_ENV + " is set, so an unavailable target fails)";
                } else {
                    unavailable = why;
                }
            }
        }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            connect();
            if (unavailable != null) {
                System.out.println("[baton] skipping " + context.getDisplayName() + ": " + unavailable);
                return ConditionEvaluationResult.disabled(unavailable);
            }
            return ConditionEvaluationResult.enabled(misconfigured != null ? "fails: " + misconfigured : "connected to " + target);
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Orchestrator.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            connect();
            if (misconfigured != null) {
                throw new ParameterResolutionException(misconfigured);
            }
            return orchestrator;
        }

        @Override
        public void afterEach(ExtensionContext context) {
            if (orchestrator != null) {
                orchestrator.close();
                orchestrator = null;
            }
        }
    }
}
