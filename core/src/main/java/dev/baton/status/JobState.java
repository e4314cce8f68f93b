package dev.baton.status;

/**
 * The state of a job as a whole.
 *
 * @since 0.1
 */
public enum JobState {
    /** Accepted, nothing running yet. */
    PENDING,
    /** A deployment (create, update, scale or rollback) is in progress. */
    DEPLOYING,
    /** Running as desired. */
    RUNNING,
    /** A batch job whose instances all finished successfully. */
    COMPLETED,
    /** The deployment or the job failed. */
    FAILED,
    /** Stopped or removed. */
    STOPPED,
    /** The platform does not say. */
    UNKNOWN
}
