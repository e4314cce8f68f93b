package dev.baton.model;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kind of job: long-lived service, run-to-completion batch, one per host system, or batch on a cron schedule.
 *
 * @since 0.1
 */
public enum JobType {
    SERVICE("service"),
    BATCH("batch"),
    SYSTEM("system"),
    CRON("cron");

    private final String id;

    JobType(String id) {
        this.id = id;
    }

    /** The spelling used in the spec. */
    public String id() {
        return id;
    }

    /** The constant spelled {@code id} in the spec, if any. */
    public static Optional<JobType> fromId(String id) {
        return Arrays.stream(values()).filter(v -> v.id.equals(id)).findFirst();
    }

    /** All spellings, for error messages. */
    public static String ids() {
        return String.join(" | ", Arrays.stream(values()).map(JobType::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
