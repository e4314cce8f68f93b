package dev.baton.spi;

import dev.baton.Capabilities;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Target;

/**
 * Found through {@link java.util.ServiceLoader} ({@code META-INF/services/dev.baton.spi.OrchestratorProvider}); makes
 * {@link Orchestrator}s for the endpoints it supports. Implementations have a public no-argument constructor.
 *
 * @since 0.1
 */
public interface OrchestratorProvider {

    /** The platform id: {@code kubernetes}, {@code swarm}, {@code nomad}, {@code marathon}, {@code local}. */
    String id();

    /** Whether this provider can connect to the target (usually: the scheme equals {@link #id()}). */
    boolean supports(Target target);

    /** Among providers that support a target, the highest priority wins. */
    default int priority() {
        return 0;
    }

    /** The capabilities of the platform, known without connecting. */
    Capabilities capabilities();

    /** The Maven artifact that contains this provider, for messages. */
    String artifact();

    /**
     * Creates an orchestrator. It must not contact the platform yet, so that {@code render} and
     * {@code capabilities} work without one.
     */
    Orchestrator create(Target target, OrchestratorConfig config);
}
