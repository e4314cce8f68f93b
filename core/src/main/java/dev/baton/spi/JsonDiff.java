package dev.baton.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.plan.FieldChange;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The fields that differ between two JSON trees, as dotted paths with list indexes ({@code spec.replicas},
 * {@code containers[0].image}). Used for plans, of specs and of native objects alike.
 *
 * @since 0.1
 */
public final class JsonDiff {
    private JsonDiff() {
    }

    public static List<FieldChange> diff(JsonNode before, JsonNode after) {
        List<FieldChange> out = new ArrayList<>();
        walk("", before, after, out);
        return out;
    }

    private static void walk(String path, JsonNode a, JsonNode b, List<FieldChange> out) {
        boolean aMissing = a == null || a.isMissingNode() || a.isNull();
        boolean bMissing = b == null || b.isMissingNode() || b.isNull();
        if (aMissing && bMissing) {
            return;
        }
        if (!aMissing && !bMissing && a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                walk(path.isEmpty() ? n : path + "." + n, a.get(n), b.get(n), out);
            }
            return;
        }
        if (!aMissing && !bMissing && a.isArray() && b.isArray()) {
            int n = Math.max(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                walk(path + "[" + i + "]", a.get(i), b.get(i), out);
            }
            return;
        }
        if (aMissing || bMissing || !a.equals(b)) {
            out.add(new FieldChange(path, aMissing ? null : a.toString(), bMissing ? null : b.toString()));
        }
    }
}
