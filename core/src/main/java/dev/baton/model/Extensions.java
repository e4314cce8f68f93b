package dev.baton.model;

import java.util.Map;
import java.util.Optional;

/**
 * The escape hatch into native fields: one JSON merge patch (RFC 7386) per platform id, applied to the rendered
 * native object before it is sent. Each patch is a JSON object tree of maps, lists, strings, numbers, booleans
 * and nulls (a {@code null} removes a field).
 *
 * @since 0.1
 */
public record Extensions(Map<String, Map<String, Object>> patches) {
    public static final Extensions NONE = new Extensions(Map.of());

    @SuppressWarnings("unchecked")
    public Extensions {
        var copy = new java.util.LinkedHashMap<String, Map<String, Object>>();
        if (patches != null) {
            patches.forEach((k, v) -> copy.put(k, (Map<String, Object>) Copy.json(v == null ? Map.of() : v)));
        }
        patches = java.util.Collections.unmodifiableMap(copy);
    }

    /** The merge patch for a platform id such as {@code "kubernetes"}, if the spec has one. */
    public Optional<Map<String, Object>> forPlatform(String platformId) {
        return Optional.ofNullable(patches.get(platformId)).filter(p -> !p.isEmpty());
    }

    /** A copy with the patch for one platform replaced. */
    public Extensions with(String platformId, Map<String, Object> patch) {
        var copy = new java.util.LinkedHashMap<>(patches);
        copy.put(platformId, patch);
        return new Extensions(copy);
    }

    public boolean isEmpty() {
        return patches.values().stream().allMatch(Map::isEmpty);
    }
}
