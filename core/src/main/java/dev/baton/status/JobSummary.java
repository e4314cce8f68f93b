package dev.baton.status;

import java.util.Map;

/**
 * A job found by {@code list}: its id, namespace, type, labels and state.
 *
 * @since 0.1
 */
public record JobSummary(String jobId, String namespace, String type, Map<String, String> labels, JobState state) {
    public JobSummary {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
