package dev.baton.status;

import java.time.Instant;
import java.util.List;

/**
 * Something that happened to a job: a deployment's progress, an instance starting, becoming (un)healthy or
 * exiting, or a platform event passed through. {@code group}, {@code instance} and {@code message} may be
 * {@code null}; {@code progress} is set on {@link Type#PROGRESS} events.
 *
 * @since 0.1
 */
public record Event(Instant at, String jobId, Type type, String group, String instance, String message,
        List<GroupProgress> progress) {

    public Event {
        at = at == null ? Instant.now() : at;
        progress = progress == null ? List.of() : List.copyOf(progress);
    }

    public static Event of(String jobId, Type type, String message) {
        return new Event(Instant.now(), jobId, type, null, null, message, List.of());
    }

    public static Event instance(String jobId, Type type, String group, String instance, String message) {
        return new Event(Instant.now(), jobId, type, group, instance, message, List.of());
    }

    public static Event progress(String jobId, List<GroupProgress> progress) {
        return new Event(Instant.now(), jobId, Type.PROGRESS, null, null, null, progress);
    }

    /** What kind of thing happened. */
    public enum Type {
        DEPLOYMENT_STARTED,
        PROGRESS,
        INSTANCE_STARTED,
        INSTANCE_HEALTHY,
        INSTANCE_UNHEALTHY,
        INSTANCE_EXITED,
        INSTANCE_RESTARTED,
        DEPLOYMENT_SUCCEEDED,
        DEPLOYMENT_FAILED,
        ROLLED_BACK,
        SCALED,
        UNDEPLOYED,
        /** A native platform event passed through as text. */
        PLATFORM
    }
}
