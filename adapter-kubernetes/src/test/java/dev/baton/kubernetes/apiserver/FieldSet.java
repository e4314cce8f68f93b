package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of field paths, the structure the API server keeps per manager in {@code metadata.managedFields[].fieldsV1}.
 * A path is a list of path elements in their serialized form: {@code f:<field>} (a struct field or map key),
 * {@code k:{"name":"x"}} (an item of an associative list, by its key fields sorted by name), {@code v:<json>} (an item
 * of a set-type list) and {@code i:<n>} (an index, never produced here). A node is a <em>member</em> when its path
 * itself is in the set; in fieldsV1 a member with children carries {@code ".": {}} and a member leaf is {@code {}}.
 * <p>
 * Source: sigs.k8s.io/structured-merge-diff {@code fieldpath/set.go} (Union, Difference, Intersection,
 * RecursiveDifference, EnsureNamedFieldsAreMembers), {@code fieldpath/serialize.go} and {@code serialize-pe.go} (the
 * fieldsV1 encoding), {@code fieldpath/element.go} ({@code PathElement.String}, the form conflicts are reported in:
 * {@code .spec.template.spec.containers[name="app"].image}).
 */
final class FieldSet {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Field names first, then keys, values and indexes, as {@code PathElement.Compare} orders them. */
    static final Comparator<String> ORDER = Comparator.comparingInt(FieldSet::rank).thenComparing(Comparator.naturalOrder());

    private boolean member;
    private final TreeMap<String, FieldSet> children = new TreeMap<>(ORDER);

    private static int rank(String pe) {
        return switch (pe.charAt(0)) {
            case 'f' -> 0;
            case 'k' -> 1;
            case 'v' -> 2;
            default -> 3;
        };
    }

    static FieldSet empty() {
        return new FieldSet();
    }

    boolean isMember() {
        return member;
    }

    FieldSet child(String pe) {
        return children.get(pe);
    }

    Map<String, FieldSet> children() {
        return children;
    }

    FieldSet insert(List<String> path) {
        FieldSet n = this;
        for (String pe : path) {
            n = n.children.computeIfAbsent(pe, k -> new FieldSet());
        }
        n.member = true;
        return this;
    }

    boolean has(List<String> path) {
        FieldSet n = this;
        for (String pe : path) {
            n = n.children.get(pe);
            if (n == null) {
                return false;
            }
        }
        return n.member;
    }

    boolean isEmpty() {
        if (member) {
            return false;
        }
        for (FieldSet c : children.values()) {
            if (!c.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    FieldSet copy() {
        FieldSet out = new FieldSet();
        out.member = member;
        children.forEach((k, v) -> out.children.put(k, v.copy()));
        return out;
    }

    FieldSet union(FieldSet o) {
        FieldSet out = copy();
        if (o != null) {
            out.addAll(o);
        }
        return out;
    }

    private void addAll(FieldSet o) {
        member |= o.member;
        o.children.forEach((k, v) -> children.computeIfAbsent(k, x -> new FieldSet()).addAll(v));
    }

    /** The members of this set that are not members of {@code o} (path by path, as {@code Set.Difference}). */
    FieldSet minus(FieldSet o) {
        FieldSet out = new FieldSet();
        out.member = member && (o == null || !o.member);
        children.forEach((k, v) -> {
            FieldSet c = v.minus(o == null ? null : o.children.get(k));
            if (!c.isEmpty()) {
                out.children.put(k, c);
            }
        });
        return out;
    }

    FieldSet intersect(FieldSet o) {
        FieldSet out = new FieldSet();
        if (o == null) {
            return out;
        }
        out.member = member && o.member;
        children.forEach((k, v) -> {
            FieldSet other = o.children.get(k);
            if (other != null) {
                FieldSet c = v.intersect(other);
                if (!c.isEmpty()) {
                    out.children.put(k, c);
                }
            }
        });
        return out;
    }

    /** {@code Set.RecursiveDifference}: drops every member of this set that is, or lies under, a member of {@code o}. */
    FieldSet minusRecursive(FieldSet o) {
        if (o != null && o.member) {
            return new FieldSet();
        }
        FieldSet out = new FieldSet();
        out.member = member;
        children.forEach((k, v) -> {
            FieldSet c = v.minusRecursive(o == null ? null : o.children.get(k));
            if (!c.isEmpty()) {
                out.children.put(k, c);
            }
        });
        return out;
    }

    /**
     * {@code EnsureNamedFieldsAreMembers}: every field node becomes a member. (Upstream only named fields of a struct,
     * not map keys; map keys are always leaves or members here, so the difference does not show.)
     */
    FieldSet ensureNamedFieldsAreMembers() {
        FieldSet out = new FieldSet();
        out.member = member;
        children.forEach((k, v) -> {
            FieldSet c = v.ensureNamedFieldsAreMembers();
            if (k.startsWith("f:")) {
                c.member = true;
            }
            out.children.put(k, c);
        });
        return out;
    }

    /** Every member path, in path order. */
    List<List<String>> members() {
        List<List<String>> out = new ArrayList<>();
        collect(new ArrayList<>(), out);
        return out;
    }

    private void collect(List<String> prefix, List<List<String>> out) {
        if (member) {
            out.add(List.copyOf(prefix));
        }
        children.forEach((k, v) -> {
            prefix.add(k);
            v.collect(prefix, out);
            prefix.remove(prefix.size() - 1);
        });
    }

    /** The fieldsV1 form: {@code {"f:spec":{"f:replicas":{}}}}. */
    ObjectNode toFieldsV1() {
        ObjectNode out = JSON.createObjectNode();
        if (member && !children.isEmpty()) {
            out.putObject(".");
        }
        children.forEach((k, v) -> {
            if (!v.isEmpty()) {
                out.set(k, v.toFieldsV1());
            }
        });
        return out;
    }

    static FieldSet fromFieldsV1(JsonNode json) {
        FieldSet out = new FieldSet();
        if (json == null || !json.isObject()) {
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> it = json.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(".")) {
                out.member = true;
                continue;
            }
            FieldSet c = fromFieldsV1(e.getValue());
            if (e.getValue().isObject() && e.getValue().isEmpty()) {
                c.member = true;
            }
            out.children.put(e.getKey(), c);
        }
        return out;
    }

    /** A path as {@code fieldpath.Path.String} prints it, as conflicts name fields: {@code .spec.ports[port=80,protocol="TCP"]}. */
    static String pathString(List<String> path) {
        StringBuilder b = new StringBuilder();
        for (String pe : path) {
            String rest = pe.substring(2);
            switch (pe.charAt(0)) {
                case 'f' -> b.append('.').append(rest);
                case 'k' -> {
                    List<String> parts = new ArrayList<>();
                    try {
                        JSON.readTree(rest).properties().forEach(f -> parts.add(f.getKey() + "=" + f.getValue().toString()));
                    } catch (java.io.IOException e) {
                        parts.add(rest);
                    }
                    b.append('[').append(String.join(",", parts)).append(']');
                }
                case 'v' -> b.append("[=").append(rest).append(']');
                default -> b.append('[').append(rest).append(']');
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return toFieldsV1().toString();
    }
}
