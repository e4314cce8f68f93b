package dev.baton.kubernetes.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The object algorithms of server-side apply and patching, on JSON trees, typed by {@link Schema}:
 * <ul>
 * <li>{@link #merge} — {@code TypedValue.Merge} (structured-merge-diff {@code typed/merge.go}): structs and maps
 * merged key by key, associative and set lists item by item (in the order {@code mergingWalker.visitListItems}
 * produces), atomic lists and structs and scalars replaced;</li>
 * <li>{@link #toFieldSet} — {@code TypedValue.ToFieldSet} ({@code typed/tofieldset.go}): the fields an applied
 * configuration sets: leaves, list items, atomic values, map keys, empty or null struct fields;</li>
 * <li>{@link #compare} — {@code TypedValue.Compare} ({@code typed/compare.go}): added, modified and removed fields;</li>
 * <li>{@link #prune} — {@code Updater.prune} with {@code addBackOwnedItems} and {@code addBackDanglingItems}
 * ({@code merge/update.go}): what an applier applied before and no longer applies is removed unless a manager still
 * owns it;</li>
 * <li>{@link #mergePatch} — RFC 7386; {@link #strategicMergePatch} — kubernetes {@code apimachinery/pkg/util/strategicpatch}
 * for the lists {@link Schema} knows (merge by key, {@code $patch: delete|replace}); {@link #jsonPatch} — RFC 6902.</li>
 * </ul>
 */
final class Trees {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Trees() {
    }

    /** An associative list item without one of its keys, or a list with two items of one key. */
    static final class TypeError extends RuntimeException {
        TypeError(String message) {
            super(message);
        }
    }

    static List<String> plus(List<String> path, String pe) {
        List<String> out = new ArrayList<>(path.size() + 1);
        out.addAll(path);
        out.add(pe);
        return out;
    }

    static boolean absent(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    /** Equality with numbers compared by value (2 == 2.0 == 2L). */
    static boolean same(JsonNode a, JsonNode b) {
        if (absent(a) || absent(b)) {
            return absent(a) && absent(b);
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!b.has(e.getKey()) || !same(e.getValue(), b.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** The path element of a list item: {@code k:{"name":"x"}} or {@code v:"x"}; a missing key without default fails. */
    static String itemPE(Schema.ListSpec spec, JsonNode item, List<String> path) {
        if (spec.type() == Schema.ListType.SET) {
            return "v:" + item.toString();
        }
        TreeMap<String, JsonNode> key = new TreeMap<>();
        for (String k : spec.keys()) {
            JsonNode v = item == null ? null : item.get(k);
            if (absent(v)) {
                Object def = spec.defaults().get(k);
                if (def == null) {
                    throw new TypeError(FieldSet.pathString(path) + ": element omits key field \"" + k + "\" (and doesn't have default value)");
                }
                v = JSON.valueToTree(def);
            }
            key.put(k, v);
        }
        ObjectNode o = F.objectNode();
        key.forEach(o::set);
        return "k:" + o;
    }

    private static boolean isAtomicLeaf(String kind, List<String> path, JsonNode v) {
        if (v.isObject()) {
            return Schema.atomicStruct(kind, path);
        }
        if (v.isArray()) {
            return Schema.list(kind, path).type() == Schema.ListType.ATOMIC;
        }
        return true;
    }

    // ---------------------------------------------------------------- merge (apply)

    static JsonNode merge(String kind, JsonNode live, JsonNode config) {
        return merge(kind, new ArrayList<>(), live, config);
    }

    private static JsonNode merge(String kind, List<String> path, JsonNode live, JsonNode config) {
        if (config == null) {
            return live == null ? null : live.deepCopy();
        }
        if (config.isNull()) {
            return null;
        }
        if (absent(live)) {
            return config.deepCopy();
        }
        if (config.isObject() && live.isObject() && !Schema.atomicStruct(kind, path)) {
            ObjectNode out = ((ObjectNode) live).deepCopy();
            Iterator<Map.Entry<String, JsonNode>> it = config.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = merge(kind, plus(path, "f:" + e.getKey()), live.get(e.getKey()), e.getValue());
                if (v == null) {
                    out.remove(e.getKey());
                } else {
                    out.set(e.getKey(), v);
                }
            }
            return out;
        }
        if (config.isArray() && live.isArray()) {
            Schema.ListSpec spec = Schema.list(kind, path);
            if (spec.type() != Schema.ListType.ATOMIC) {
                return mergeList(kind, path, spec, (ArrayNode) live, (ArrayNode) config);
            }
        }
        return config.deepCopy();
    }

    /** {@code mergingWalker.visitListItems}: merged items keep the live order, new ones come where the config puts them. */
    private static JsonNode mergeList(String kind, List<String> path, Schema.ListSpec spec, ArrayNode lhs, ArrayNode rhs) {
        List<String> rhsPEs = new ArrayList<>();
        Map<String, JsonNode> observedRHS = new LinkedHashMap<>();
        for (JsonNode item : rhs) {
            String pe = itemPE(spec, item, path);
            if (observedRHS.containsKey(pe)) {
                throw new TypeError(FieldSet.pathString(path) + ": duplicate entries for key " + FieldSet.pathString(List.of(pe)));
            }
            observedRHS.put(pe, item);
            rhsPEs.add(pe);
        }
        List<String> lhsPEs = new ArrayList<>();
        Map<String, JsonNode> observedLHS = new LinkedHashMap<>();
        try {
            for (JsonNode item : lhs) {
                String pe = itemPE(spec, item, path);
                observedLHS.put(pe, observedLHS.containsKey(pe) ? null : item);
                lhsPEs.add(pe);
            }
        } catch (TypeError e) {
            return rhs.deepCopy(); // a live list the schema does not accept is replaced
        }
        List<String> sharedOrder = new ArrayList<>();
        for (String pe : rhsPEs) {
            if (observedLHS.containsKey(pe)) {
                sharedOrder.add(pe);
            }
        }
        int shared = 0;
        String nextShared = shared < sharedOrder.size() ? sharedOrder.get(shared++) : null;
        Set<String> mergedRHS = new LinkedHashSet<>();
        ArrayNode out = F.arrayNode();
        int lI = 0;
        int rI = 0;
        int lLen = lhsPEs.size();
        int rLen = rhsPEs.size();
        while (lI < lLen || rI < rLen) {
            if (lI < lLen && rI < rLen) {
                String pe = lhsPEs.get(lI);
                if (pe.equals(rhsPEs.get(rI))) {
                    mergedRHS.add(pe);
                    add(out, merge(kind, plus(path, pe), observedLHS.get(pe), observedRHS.get(pe)));
                    lI++;
                    rI++;
                    nextShared = shared < sharedOrder.size() ? sharedOrder.get(shared++) : null;
                    continue;
                }
                if (observedRHS.containsKey(pe) && nextShared != null && !nextShared.equals(pe)) {
                    lI++;
                    continue;
                }
            }
            if (lI < lLen) {
                String pe = lhsPEs.get(lI);
                if (!observedRHS.containsKey(pe)) {
                    add(out, lhs.get(lI).deepCopy());
                    lI++;
                    continue;
                } else if (mergedRHS.contains(pe)) {
                    lI++;
                }
            }
            if (rI < rLen) {
                String pe = rhsPEs.get(rI);
                mergedRHS.add(pe);
                add(out, merge(kind, plus(path, pe), observedLHS.get(pe), observedRHS.get(pe)));
                rI++;
                if (nextShared != null && nextShared.equals(pe)) {
                    nextShared = shared < sharedOrder.size() ? sharedOrder.get(shared++) : null;
                }
            }
        }
        return out;
    }

    private static void add(ArrayNode out, JsonNode v) {
        if (v != null) {
            out.add(v);
        }
    }

    // ---------------------------------------------------------------- ToFieldSet

    static FieldSet toFieldSet(String kind, JsonNode config) {
        FieldSet out = FieldSet.empty();
        if (config != null && config.isObject()) {
            visitObject(kind, new ArrayList<>(), config, out);
        }
        return out;
    }

    private static void toSet(String kind, List<String> path, JsonNode v, FieldSet out) {
        if (absent(v) || isAtomicLeaf(kind, path, v)) {
            out.insert(path);
            return;
        }
        if (v.isObject()) {
            visitObject(kind, path, v, out);
            return;
        }
        Schema.ListSpec spec = Schema.list(kind, path);
        Set<String> seen = new LinkedHashSet<>();
        Set<String> duplicates = new LinkedHashSet<>();
        for (JsonNode item : v) {
            String pe = itemPE(spec, item, path);
            if (!seen.add(pe)) {
                duplicates.add(pe);
            }
        }
        for (String pe : duplicates) {
            out.insert(plus(path, pe));
        }
        for (JsonNode item : v) {
            String pe = itemPE(spec, item, path);
            if (duplicates.contains(pe)) {
                continue;
            }
            List<String> p = plus(path, pe);
            if (item.isObject()) {
                visitObject(kind, p, item, out);
            }
            out.insert(p);
        }
    }

    private static void visitObject(String kind, List<String> path, JsonNode v, FieldSet out) {
        boolean free = Schema.freeFormMap(kind, path);
        Iterator<Map.Entry<String, JsonNode>> it = v.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> p = plus(path, "f:" + e.getKey());
            JsonNode child = e.getValue();
            toSet(kind, p, child, out);
            if (absent(child) || child.isObject() && child.isEmpty() || free) {
                out.insert(p);
            }
        }
    }

    // ---------------------------------------------------------------- Compare

    record Comparison(FieldSet added, FieldSet modified, FieldSet removed) {
        FieldSet changed() {
            return added.union(modified);
        }

        boolean isSame() {
            return added.isEmpty() && modified.isEmpty() && removed.isEmpty();
        }
    }

    static Comparison compare(String kind, JsonNode lhs, JsonNode rhs) {
        Comparison c = new Comparison(FieldSet.empty(), FieldSet.empty(), FieldSet.empty());
        compare(kind, new ArrayList<>(), lhs, rhs, c);
        return c;
    }

    private static void compare(String kind, List<String> path, JsonNode l, JsonNode r, Comparison c) {
        if (absent(l)) {
            l = null;
        }
        if (absent(r)) {
            r = null;
        }
        if (l == null && r == null) {
            return;
        }
        if (!path.isEmpty() && !Schema.valueStruct(kind, path)) {
            if (l == null) {
                c.added().insert(path);
            } else if (r == null) {
                c.removed().insert(path);
            }
        }
        JsonNode shape = r != null ? r : l;
        boolean leaf = isAtomicLeaf(kind, path, shape) || l != null && r != null && l.getNodeType() != r.getNodeType();
        if (leaf) {
            if (l != null && r != null && !same(l, r)) {
                c.modified().insert(path);
            }
            return;
        }
        if (shape.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            if (l != null) {
                l.fieldNames().forEachRemaining(keys::add);
            }
            if (r != null) {
                r.fieldNames().forEachRemaining(keys::add);
            }
            for (String k : keys) {
                compare(kind, plus(path, "f:" + k), l == null ? null : l.get(k), r == null ? null : r.get(k), c);
            }
            return;
        }
        Schema.ListSpec spec = Schema.list(kind, path);
        Map<String, List<JsonNode>> left;
        Map<String, List<JsonNode>> right;
        try {
            left = index(spec, l, path);
            right = index(spec, r, path);
        } catch (TypeError e) {
            if (l != null && r != null && !same(l, r)) {
                c.modified().insert(path);
            }
            return;
        }
        Set<String> all = new LinkedHashSet<>(left.keySet());
        all.addAll(right.keySet());
        for (String pe : all) {
            List<JsonNode> ls = left.getOrDefault(pe, List.of());
            List<JsonNode> rs = right.getOrDefault(pe, List.of());
            if (ls.size() <= 1 && rs.size() <= 1) {
                compare(kind, plus(path, pe), ls.isEmpty() ? null : ls.get(0), rs.isEmpty() ? null : rs.get(0), c);
            } else if (ls.size() >= 2 && rs.size() >= 2) {
                if (!same(JSON.valueToTree(ls), JSON.valueToTree(rs))) {
                    c.modified().insert(plus(path, pe));
                }
            } else if (ls.size() >= 2) {
                if (!rs.isEmpty()) {
                    compare(kind, plus(path, pe), null, rs.get(0), c);
                }
                c.removed().insert(plus(path, pe));
            } else {
                if (!ls.isEmpty()) {
                    compare(kind, plus(path, pe), ls.get(0), null, c);
                }
                c.added().insert(plus(path, pe));
            }
        }
    }

    private static Map<String, List<JsonNode>> index(Schema.ListSpec spec, JsonNode list, List<String> path) {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        if (list != null) {
            for (JsonNode item : list) {
                out.computeIfAbsent(itemPE(spec, item, path), k -> new ArrayList<>()).add(item);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- prune

    /**
     * Removes from {@code merged} what {@code last} (the applier's previous set) holds and no manager, nor the new
     * configuration, owns any more: a member of {@code last} not a member of {@code owned}, after both were given
     * membership of their named fields, goes (with what lies under it).
     */
    static JsonNode prune(String kind, JsonNode merged, FieldSet last, FieldSet owned) {
        if (last == null || last.isEmpty()) {
            return merged;
        }
        JsonNode out = merged.deepCopy();
        remove(kind, new ArrayList<>(), out, last.ensureNamedFieldsAreMembers(), owned.ensureNamedFieldsAreMembers());
        return out;
    }

    private static void remove(String kind, List<String> path, JsonNode node, FieldSet last, FieldSet owned) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            for (Map.Entry<String, FieldSet> e : last.children().entrySet()) {
                if (!e.getKey().startsWith("f:")) {
                    continue;
                }
                String field = e.getKey().substring(2);
                if (!o.has(field)) {
                    continue;
                }
                FieldSet ownedChild = owned == null ? null : owned.child(e.getKey());
                if (e.getValue().isMember() && (ownedChild == null || !ownedChild.isMember())) {
                    o.remove(field);
                } else {
                    remove(kind, plus(path, e.getKey()), o.get(field), e.getValue(), ownedChild);
                }
            }
        } else if (node.isArray()) {
            Schema.ListSpec spec = Schema.list(kind, path);
            if (spec.type() == Schema.ListType.ATOMIC) {
                return;
            }
            ArrayNode a = (ArrayNode) node;
            for (int i = a.size() - 1; i >= 0; i--) {
                String pe;
                try {
                    pe = itemPE(spec, a.get(i), path);
                } catch (TypeError e) {
                    continue;
                }
                FieldSet lastItem = last.child(pe);
                if (lastItem == null) {
                    continue;
                }
                FieldSet ownedItem = owned == null ? null : owned.child(pe);
                if (lastItem.isMember() && (ownedItem == null || !ownedItem.isMember())) {
                    a.remove(i);
                } else {
                    remove(kind, plus(path, pe), a.get(i), lastItem, ownedItem);
                }
            }
        }
    }

    // ---------------------------------------------------------------- patches

    /** RFC 7386 JSON merge patch. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : F.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
            } else {
                out.set(e.getKey(), mergePatch(out.get(e.getKey()), e.getValue()));
            }
        }
        return out;
    }

    /**
     * Strategic merge patch, as kubernetes {@code strategicpatch.StrategicMergePatch} treats the lists it knows:
     * associative lists merged by their merge key ({@code $patch: delete} on an item removes it, {@code $patch: replace}
     * replaces the list or map), other lists replaced, {@code null} deletes; {@code $setElementOrder/...},
     * {@code $retainKeys} and {@code $deleteFromPrimitiveList/...} directives are dropped (ordering and retainKeys are not
     * modelled).
     */
    static JsonNode strategicMergePatch(String kind, JsonNode target, JsonNode patch) {
        return smp(kind, new ArrayList<>(), target, patch);
    }

    private static JsonNode smp(String kind, List<String> path, JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        if ("replace".equals(patch.path("$patch").asText(null))) {
            ObjectNode r = ((ObjectNode) patch).deepCopy();
            r.remove("$patch");
            return r;
        }
        if ("delete".equals(patch.path("$patch").asText(null))) {
            return null;
        }
        ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : F.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (k.startsWith("$")) {
                continue;
            }
            JsonNode v = e.getValue();
            List<String> p = plus(path, "f:" + k);
            if (v.isNull()) {
                out.remove(k);
            } else if (v.isArray() && Schema.list(kind, p).type() == Schema.ListType.MAP && out.path(k).isArray()) {
                out.set(k, smpList(kind, p, (ArrayNode) out.get(k), (ArrayNode) v));
            } else if (v.isObject() && !Schema.atomicStruct(kind, p)) {
                JsonNode merged = smp(kind, p, out.get(k), v);
                if (merged == null) {
                    out.remove(k);
                } else {
                    out.set(k, merged);
                }
            } else {
                out.set(k, v.deepCopy());
            }
        }
        return out;
    }

    private static JsonNode smpList(String kind, List<String> path, ArrayNode target, ArrayNode patch) {
        Schema.ListSpec spec = Schema.list(kind, path);
        for (JsonNode item : patch) {
            if (item.isObject() && "replace".equals(item.path("$patch").asText(null))) {
                ArrayNode r = F.arrayNode();
                patch.forEach(i -> {
                    if (!i.has("$patch")) {
                        r.add(i.deepCopy());
                    }
                });
                return r;
            }
        }
        ArrayNode out = target.deepCopy();
        for (JsonNode item : patch) {
            String pe = itemPE(spec, item, path);
            int at = -1;
            for (int i = 0; i < out.size(); i++) {
                if (itemPE(spec, out.get(i), path).equals(pe)) {
                    at = i;
                    break;
                }
            }
            boolean delete = item.isObject() && "delete".equals(item.path("$patch").asText(null));
            if (delete) {
                if (at >= 0) {
                    out.remove(at);
                }
            } else if (at >= 0) {
                JsonNode merged = smp(kind, plus(path, pe), out.get(at), item);
                out.set(at, merged);
            } else {
                out.add(smp(kind, plus(path, pe), null, item));
            }
        }
        return out;
    }

    /** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
    static JsonNode jsonPatch(JsonNode target, JsonNode ops) {
        if (!ops.isArray()) {
            throw new IllegalArgumentException("json patch must be an array of operations");
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String kind = op.path("op").asText();
            String path = op.path("path").asText();
            switch (kind) {
                case "add" -> doc = put(doc, path, op.get("value").deepCopy(), true);
                case "remove" -> doc = removeAt(doc, path);
                case "replace" -> {
                    get(doc, path);
                    doc = put(doc, path, op.get("value").deepCopy(), false);
                }
                case "move" -> {
                    JsonNode v = get(doc, op.path("from").asText());
                    doc = removeAt(doc, op.path("from").asText());
                    doc = put(doc, path, v, true);
                }
                case "copy" -> doc = put(doc, path, get(doc, op.path("from").asText()).deepCopy(), true);
                case "test" -> {
                    if (!same(get(doc, path), op.get("value"))) {
                        throw new IllegalArgumentException("testing value " + path + " failed");
                    }
                }
                default -> throw new IllegalArgumentException("Unexpected kind: " + kind);
            }
        }
        return doc;
    }

    private static List<String> pointer(String path) {
        List<String> out = new ArrayList<>();
        if (path.isEmpty()) {
            return out;
        }
        for (String s : path.substring(1).split("/", -1)) {
            out.add(s.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static JsonNode get(JsonNode doc, String path) {
        JsonNode n = doc;
        for (String t : pointer(path)) {
            n = n.isArray() ? n.get(Integer.parseInt(t)) : n.get(t);
            if (n == null) {
                throw new IllegalArgumentException("doc is missing path: " + path);
            }
        }
        return n;
    }

    private static JsonNode put(JsonNode doc, String path, JsonNode value, boolean insert) {
        List<String> tokens = pointer(path);
        if (tokens.isEmpty()) {
            return value;
        }
        JsonNode parent = get(doc, path.substring(0, path.lastIndexOf('/')));
        String last = tokens.get(tokens.size() - 1);
        if (parent.isArray()) {
            ArrayNode a = (ArrayNode) parent;
            int i = last.equals("-") ? a.size() : Integer.parseInt(last);
            if (insert) {
                a.insert(i, value);
            } else {
                a.set(i, value);
            }
        } else if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
        } else {
            throw new IllegalArgumentException("doc is missing path: " + path);
        }
        return doc;
    }

    private static JsonNode removeAt(JsonNode doc, String path) {
        get(doc, path);
        JsonNode parent = get(doc, path.substring(0, path.lastIndexOf('/')));
        String last = pointer(path).get(pointer(path).size() - 1);
        if (parent.isArray()) {
            ((ArrayNode) parent).remove(Integer.parseInt(last));
        } else {
            ((ObjectNode) parent).remove(last);
        }
        return doc;
    }

    static String text(JsonNode n, String... path) {
        JsonNode c = n;
        for (String p : path) {
            c = c == null ? null : c.get(p);
        }
        return absent(c) ? null : c.asText();
    }
}
