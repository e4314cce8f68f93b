package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code metadata.managedFields}: one entry per manager identity, each with the set of fields that manager owns, and
 * the two ways it changes.
 * <p>
 * <b>Update</b> (POST, PUT, and every non-apply PATCH, on the resource or a subresource): the fields the write added or
 * modified move to the writing manager, taken from every other manager (an update always forces), and removed fields
 * leave every manager; the entry's time is set only if the write changed a field. Source: structured-merge-diff
 * {@code merge/update.go} ({@code Updater.Update}, {@code Updater.update}); kubernetes
 * {@code apimachinery/pkg/util/managedfields/internal/managedfieldsupdater.go} (the "current-operation" set merged into
 * the manager's previous entry, time refreshed only when it took fields).
 * <p>
 * <b>Apply</b> (PATCH {@code application/apply-patch+yaml}): the configuration is merged into the live object; the
 * applier's set becomes exactly the fields of its configuration; fields it applied before and omits now are removed
 * unless another manager owns them; a field another manager owns whose value the apply adds or changes is a conflict,
 * refused with 409 unless {@code force=true}, which moves it to the applier; fields removed leave every manager.
 * Source: {@code merge/update.go} ({@code Updater.Apply}, {@code prune}); the doc page "Server-Side Apply"
 * (kubernetes.io/docs/reference/using-api/server-side-apply/: "Field management", "Conflicts", "Merge strategy").
 * <p>
 * Identity (upstream {@code internal/managedfields.go BuildManagerIdentifier}): manager, operation and subresource, plus
 * the apiVersion for Update entries. Fields never tracked ({@code internal/stripmeta.go}): apiVersion, kind, the
 * metadata node itself, metadata.name, namespace, uid, creationTimestamp, selfLink, generation, resourceVersion,
 * managedFields; nor the fields the subresource resets (status for the resource, spec for /status). Entries are
 * ordered as {@code sortEncodedManagedFields} orders them: operation, time, manager, apiVersion, subresource.
 * Not modelled: the cap of ten Update entries ({@code capmanagers.go}, "ancient-changes"), the
 * {@code last-applied-configuration} upgrade path, conversion between API versions.
 */
final class ManagedFields {
    static final class Entry {
        String manager;
        String operation;
        String apiVersion;
        String subresource;
        String time;
        FieldSet set;

        Entry(String manager, String operation, String apiVersion, String subresource, String time, FieldSet set) {
            this.manager = manager;
            this.operation = operation;
            this.apiVersion = apiVersion;
            this.subresource = subresource;
            this.time = time;
            this.set = set;
        }

        boolean is(String manager, String operation, String apiVersion, String subresource) {
            return this.manager.equals(manager) && this.operation.equals(operation) && Objects.equals(emptyToNull(this.subresource),
                    emptyToNull(subresource)) && (operation.equals("Apply") || Objects.equals(this.apiVersion, apiVersion));
        }

        /** As {@code printManager} prints it in conflicts: {@code "kubectl"} or {@code "kube-controller-manager" using apps/v1}. */
        String printed() {
            String s = "\"" + manager + "\"";
            if (subresource != null && !subresource.isEmpty()) {
                s += " with subresource \"" + subresource + "\"";
            }
            return operation.equals("Update") ? s + " using " + apiVersion : s;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    final List<Entry> entries = new ArrayList<>();

    static ManagedFields decode(JsonNode managedFields) {
        ManagedFields out = new ManagedFields();
        if (managedFields != null && managedFields.isArray()) {
            for (JsonNode e : managedFields) {
                if (!e.hasNonNull("manager") && !e.hasNonNull("operation")) {
                    continue;
                }
                out.entries.add(new Entry(e.path("manager").asText(""), e.path("operation").asText("Update"),
                        Trees.text(e, "apiVersion"), Trees.text(e, "subresource"), Trees.text(e, "time"), FieldSet.fromFieldsV1(e.get("fieldsV1"))));
            }
        }
        return out;
    }

    /** A PUT or PATCH whose body carries {@code managedFields: [{}]} resets ownership (upstream {@code fieldmanager.go}). */
    static boolean isReset(JsonNode managedFields) {
        return managedFields != null && managedFields.isArray() && managedFields.size() == 1 && managedFields.get(0).isObject()
                && managedFields.get(0).isEmpty();
    }

    ArrayNode encode() {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing((Entry e) -> e.operation).thenComparing(e -> e.time == null ? "" : e.time)
                .thenComparing(e -> e.manager).thenComparing(e -> e.apiVersion == null ? "" : e.apiVersion)
                .thenComparing(e -> e.subresource == null ? "" : e.subresource));
        ArrayNode out = Trees.JSON.createArrayNode();
        for (Entry e : sorted) {
            ObjectNode o = out.addObject();
            o.put("manager", e.manager).put("operation", e.operation);
            if (e.apiVersion != null) {
                o.put("apiVersion", e.apiVersion);
            }
            if (e.time != null) {
                o.put("time", e.time);
            }
            o.put("fieldsType", "FieldsV1");
            o.set("fieldsV1", e.set.toFieldsV1());
            if (e.subresource != null && !e.subresource.isEmpty()) {
                o.put("subresource", e.subresource);
            }
        }
        return out;
    }

    Entry find(String manager, String operation, String apiVersion, String subresource) {
        return entries.stream().filter(e -> e.is(manager, operation, apiVersion, subresource)).findFirst().orElse(null);
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static final List<List<String>> STRIPPED = List.of(List.of("f:apiVersion"), List.of("f:kind"), List.of("f:metadata"),
            List.of("f:metadata", "f:name"), List.of("f:metadata", "f:namespace"), List.of("f:metadata", "f:creationTimestamp"),
            List.of("f:metadata", "f:selfLink"), List.of("f:metadata", "f:uid"), List.of("f:metadata", "f:clusterName"),
            List.of("f:metadata", "f:generation"), List.of("f:metadata", "f:managedFields"), List.of("f:metadata", "f:resourceVersion"));

    static FieldSet strip(FieldSet s) {
        FieldSet stripped = FieldSet.empty();
        STRIPPED.forEach(stripped::insert);
        return s.minus(stripped);
    }

    private void dropEmpty() {
        entries.removeIf(e -> e.set.isEmpty());
    }

    /** An Update by {@code manager} that turned {@code live} into {@code updated} (both without system metadata). */
    void update(String kind, JsonNode live, JsonNode updated, String manager, String apiVersion, String subresource) {
        Trees.Comparison cmp = Trees.compare(kind, live, updated);
        FieldSet changed = cmp.changed();
        for (Entry e : entries) {
            e.set = e.set.minus(changed).minus(cmp.removed());
        }
        FieldSet current = strip(changed);
        Entry mine = find(manager, "Update", apiVersion, subresource);
        if (!current.isEmpty()) {
            if (mine == null) {
                entries.add(new Entry(manager, "Update", apiVersion, subresource, now(), current));
            } else {
                mine.set = mine.set.union(current);
                mine.time = now();
            }
        }
        dropEmpty();
    }

    /** A conflict of an apply: the manager that owns the field, and the field. */
    record Conflict(Entry owner, List<String> path) {
    }

    /**
     * An Apply of {@code config} by {@code manager} on {@code live} (an empty object when creating; both without system
     * metadata and without the reset fields). Returns the new object; throws {@link ApiError} on conflicts.
     */
    JsonNode apply(String kind, JsonNode live, JsonNode config, String manager, String apiVersion, boolean force) {
        FieldSet applied = Trees.toFieldSet(kind, config);
        Entry last = find(manager, "Apply", apiVersion, null);
        JsonNode merged = Trees.merge(kind, live, config);
        if (last != null) {
            FieldSet owned = applied;
            for (Entry e : entries) {
                if (e != last) {
                    owned = owned.union(e.set);
                }
            }
            merged = Trees.prune(kind, merged, last.set, owned);
        }
        Trees.Comparison cmp = Trees.compare(kind, live, merged);
        FieldSet changed = cmp.changed();
        List<Conflict> conflicts = new ArrayList<>();
        for (Entry e : entries) {
            if (e == last) {
                continue;
            }
            for (List<String> p : e.set.intersect(changed).members()) {
                conflicts.add(new Conflict(e, p));
            }
        }
        if (!conflicts.isEmpty() && !force) {
            throw conflictError(conflicts);
        }
        for (Entry e : entries) {
            if (e != last) {
                e.set = e.set.minus(changed).minus(cmp.removed());
            }
        }
        boolean objectChanged = !Trees.same(live, merged);
        if (last == null) {
            last = new Entry(manager, "Apply", apiVersion, null, null, null);
            entries.add(last);
        }
        last.apiVersion = apiVersion;
        last.set = strip(applied);
        if (objectChanged || last.time == null) {
            last.time = now();
        }
        dropEmpty();
        return merged;
    }

    /** Upstream {@code internal/conflict.go NewConflictError} / {@code getConflictMessage}. */
    private static ApiError conflictError(List<Conflict> conflicts) {
        List<String[]> causes = new ArrayList<>();
        for (Conflict c : conflicts) {
            causes.add(new String[] {"conflict with " + c.owner().printed(), FieldSet.pathString(c.path())});
        }
        String message;
        if (conflicts.size() == 1) {
            message = "Apply failed with 1 conflict: conflict with " + conflicts.get(0).owner().printed() + ": "
                    + FieldSet.pathString(conflicts.get(0).path());
        } else {
            Map<String, List<String>> byManager = new java.util.TreeMap<>();
            for (Conflict c : conflicts) {
                byManager.computeIfAbsent(c.owner().printed(), k -> new ArrayList<>()).add(FieldSet.pathString(c.path()));
            }
            List<String> lines = new ArrayList<>();
            byManager.forEach((m, paths) -> {
                lines.add("conflicts with " + m + ":");
                paths.forEach(p -> lines.add("- " + p));
            });
            message = "Apply failed with " + conflicts.size() + " conflicts: " + String.join("\n", lines);
        }
        return ApiError.applyConflict(message, causes);
    }
}
