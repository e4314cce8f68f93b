package dev.baton.testkit;

import dev.baton.Orchestrator;
import dev.baton.OrchestratorException;
import dev.baton.Orchestrators;
import dev.baton.Target;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
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

    /**
     * The targets from {@code baton.targets} or {@code BATON_TARGETS}, else {@code local://embedded}: a supervisor in
     * the test JVM with a state directory of its own, so a test run leaves no process or daemon behind.
     */
    /** The target when none is named. */
    public static final String DEFAULT_TARGET = "local://embedded";

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

    /** Connects before the test, skips it when the target is unavailable, closes after. */
    private static final class Connection implements ExecutionCondition, ParameterResolver, AfterEachCallback {
        private final String target;
        private Orchestrator orchestrator;
        private String unavailable;

        Connection(String target) {
            this.target = target;
        }

        private synchronized void connect() {
            if (orchestrator != null || unavailable != null) {
                return;
            }
            try {
                Orchestrator o = Orchestrators.connect(Target.parse(target), dev.baton.OrchestratorConfig.defaults());
                o.platform();
                orchestrator = o;
            } catch (OrchestratorException | IllegalArgumentException e) {
                unavailable = "target " + target + " is unavailable: " + e.getMessage();
            }
        }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            connect();
            return unavailable == null ? ConditionEvaluationResult.enabled("connected to " + target)
                    : ConditionEvaluationResult.disabled(unavailable);
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Orchestrator.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            connect();
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
