package dev.baton;

import dev.baton.status.JobStatus;

/**
 * How a deployment ended, and the job's status at that moment.
 *
 * @since 0.1
 */
public record DeploymentResult(Outcome outcome, JobStatus status, String message) {

    public boolean isSuccess() {
        return outcome == Outcome.HEALTHY || outcome == Outcome.COMPLETED;
    }

    /** The end of a deployment. */
    public enum Outcome {
        /** Every group has its desired number of healthy instances. */
        HEALTHY,
        /** A batch job ran to completion successfully. */
        COMPLETED,
        /** The deployment failed and was not rolled back. */
        FAILED,
        /** The deployment failed and the platform rolled back to the previous version. */
        ROLLED_BACK,
        /** The wait ended before the deployment did; it may still finish. */
        TIMED_OUT,
        /** The waiting thread was interrupted (its interrupt flag is set again); the deployment goes on without a waiter. */
        INTERRUPTED
    }
}
