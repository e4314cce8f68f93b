package dev.baton;

import dev.baton.status.Event;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A handle on a deployment in progress (deploy, scale or rollback): it reports progress as events and can be
 * awaited until the job is healthy, completed, failed or rolled back. Waiting uses the platform's push or
 * long-poll mechanism, not fixed-interval polling.
 *
 * @since 0.1
 */
public interface Deployment {

    String jobId();

    /** The platform's id for this deployment or version, where it has one. */
    Optional<String> deploymentId();

    /** Whether the deploy changed anything; an unchanged spec redeployed reports {@code false}. */
    boolean changed();

    /** Registers a listener for this deployment's events, starting with the current progress. */
    Subscription onEvent(Consumer<Event> listener);

    /**
     * Waits until the deployment ends or the timeout passes ({@link DeploymentResult.Outcome#TIMED_OUT}).
     */
    DeploymentResult await(Duration timeout);

    /** The result if the deployment has ended. */
    Optional<DeploymentResult> result();
}
