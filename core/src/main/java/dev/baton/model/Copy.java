package dev.baton.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Defensive, order-keeping immutable copies for the model's compact constructors. */
final class Copy {
    private Copy() {
    }

    static <T> List<T> list(List<T> in) {
        return in == null ? List.of() : List.copyOf(in);
    }

    static <V> Map<String, V> map(Map<String, V> in) {
        if (in == null || in.isEmpty()) {
            return Map.of();
        }
        LinkedHashMap<String, V> copy = new LinkedHashMap<>();
        in.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, () -> "value of " + k)));
        return Collections.unmodifiableMap(copy);
    }

    /** A deep immutable copy of a JSON-like tree of maps, lists, strings, numbers, booleans and nulls. */
    static Object json(Object node) {
        if (node instanceof Map<?, ?> m) {
            LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), json(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (node instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            l.forEach(v -> copy.add(json(v)));
            return Collections.unmodifiableList(copy);
        }
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean) {
            return node;
        }
        throw new IllegalArgumentException("not a JSON value: " + node.getClass().getName());
    }
}
