package dev.baton;

import java.util.Map;

/**
 * Which jobs {@code list} returns: those Baton deployed in a namespace ({@code null} for the connection's), whose
 * labels include all of {@code labels}.
 *
 * @since 0.1
 */
public record Selector(String namespace, Map<String, String> labels) {
    public Selector {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public static Selector all() {
        return new Selector(null, Map.of());
    }

    public static Selector labels(Map<String, String> labels) {
        return new Selector(null, labels);
    }

    public boolean matches(Map<String, String> jobLabels) {
        return labels.entrySet().stream().allMatch(e -> e.getValue().equals(jobLabels.get(e.getKey())));
    }
}
