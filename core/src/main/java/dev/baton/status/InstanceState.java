package dev.baton.status;

/**
 * The state of one running instance of a group (a pod, an allocation, a Swarm task, a Marathon task, a process).
 *
 * @since 0.1
 */
public enum InstanceState {
    PENDING,
    STARTING,
    RUNNING,
    COMPLETED,
    FAILED,
    STOPPED,
    UNKNOWN;

    /** Whether the instance has ended and will not run again as itself. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == STOPPED;
    }
}
