package dev.baton.internal.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.Violation;
import io.vavr.control.Validation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A JSON object of the document at a path, read field by field: each read records a violation with its path
 * instead of throwing, so every problem of a document is reported at once. Unknown keys are reported when the
 * node is opened.
 */
final class Node {
    private final JsonNode json;
    private final String path;
    private final List<Violation> violations;

    private Node(JsonNode json, String path, List<Violation> violations) {
        this.json = json;
        this.path = path;
        this.violations = violations;
    }

    /** Opens {@code json} as an object with the given keys; {@code null} (and a violation) if it is not one. */
    static Node open(JsonNode json, String path, List<Violation> violations, Set<String> keys) {
        if (json == null || !json.isObject()) {
            violations.add(new Violation(path, "expected an object, got " + describe(json)));
            return null;
        }
        json.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                violations.add(new Violation(at(path, k), "unknown field" + suggestion(k, keys)));
            }
        });
        return new Node(json, path, violations);
    }

    private static String suggestion(String key, Set<String> keys) {
        String best = null;
        int bestDistance = 3;
        for (String k : keys) {
            int d = distance(key.toLowerCase(), k.toLowerCase());
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best == null ? " (allowed: " + String.join(", ", keys) + ")" : " (did you mean \"" + best + "\"?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A path with a key appended; a key with control characters, or a long one, is escaped and cut. */
    static String at(String path, String key) {
        String k = Quoted.firstControlOrFormat(key) >= 0 || key.length() > Quoted.MAX_SHOWN || key.indexOf('"') >= 0 || key.indexOf('\\') >= 0
                ? Quoted.plain(key) : key;
        return path.isEmpty() ? k : path + "." + k;
    }

    static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isTextual()) {
            return Quoted.quote(n.asText());
        }
        return Quoted.plain(n.asText());
    }

    String path() {
        return path;
    }

    String path(String key) {
        return at(path, key);
    }

    boolean has(String key) {
        JsonNode v = json.get(key);
        return v != null && !v.isNull();
    }

    JsonNode raw(String key) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : v;
    }

    void violation(String key, String message) {
        violations.add(new Violation(key == null ? path : path(key), message));
    }

    /** A scalar as text (strings, numbers and booleans are accepted), or {@code null} when absent. */
    String string(String key, boolean required) {
        JsonNode v = raw(key);
        if (v == null) {
            if (required) {
                violation(key, "is required");
            }
            return null;
        }
        if (!v.isValueNode()) {
            violation(key, "expected a string, got " + describe(v));
            return null;
        }
        return v.asText();
    }

    Integer integer(String key, int min, int max) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            violation(key, "expected an integer, got " + describe(v));
            return null;
        }
        int n = v.intValue();
        if (n < min || n > max) {
            violation(key, n + " is out of range " + min + ".." + max);
            return null;
        }
        return n;
    }

    Boolean bool(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            violation(key, "expected true or false, got " + describe(v));
            return null;
        }
        return v.booleanValue();
    }

    /** A scalar parsed by {@code parser}; its failure message becomes the violation. */
    <T> T parsed(String key, Function<String, Validation<String, T>> parser) {
        String s = string(key, false);
        if (s == null) {
            return null;
        }
        Validation<String, T> r = parser.apply(s);
        if (r.isInvalid()) {
            violation(key, r.getError());
            return null;
        }
        return r.get();
    }

    /** A list, each element read by {@code element} with its indexed path; empty when absent. */
    <T> List<T> list(String key, ElementReader<T> element) {
        JsonNode v = raw(key);
        List<T> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            violation(key, "expected a list, got " + describe(v));
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            T t = element.read(v.get(i), path(key) + "[" + i + "]", violations);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    /** A list of scalars as strings; empty when absent. */
    List<String> strings(String key) {
        return list(key, (n, p, vs) -> {
            if (n == null || !n.isValueNode() || n.isNull()) {
                vs.add(new Violation(p, "expected a string, got " + describe(n)));
                return null;
            }
            return n.asText();
        });
    }

    /** A map of string to scalar (as text); empty when absent. */
    Map<String, String> stringMap(String key) {
        JsonNode v = raw(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            violation(key, "expected a map, got " + describe(v));
            return out;
        }
        v.properties().forEach(e -> {
            if (e.getValue() == null || !e.getValue().isValueNode() || e.getValue().isNull()) {
                violations.add(new Violation(path(key) + "." + e.getKey(), "expected a string, got " + describe(e.getValue())));
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return out;
    }

    /** A nested object, or {@code null} when absent (or not an object, with a violation). */
    Node object(String key, Set<String> keys) {
        JsonNode v = raw(key);
        return v == null ? null : open(v, path(key), violations, keys);
    }

    /** Reads one element of a list. */
    @FunctionalInterface
    interface ElementReader<T> {
        T read(JsonNode node, String path, List<Violation> violations);
    }
}
