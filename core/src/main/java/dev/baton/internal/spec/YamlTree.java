package dev.baton.internal.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.InvalidSpecException;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Builds a JSON tree straight from SnakeYAML's event stream. Anchors and aliases are resolved for real (Jackson's
 * YAML parser would turn an alias into its anchor's name), with at most {@link SpecCodec#MAX_ALIASES} aliases to
 * collections (alias bombs), at most {@link SpecCodec#MAX_DEPTH} levels, no duplicate keys and one document.
 * Plain scalars follow the YAML 1.2 core schema: only {@code true}/{@code false} are booleans (so {@code yes},
 * {@code on} and {@code no} stay strings), and timestamps stay strings. Merge keys ({@code <<}) are not supported
 * and end up as an unknown field.
 */
final class YamlTree {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A parser per thread: {@link Yaml} is not thread-safe, and building one costs more than a small parse. */
    private static final ThreadLocal<Yaml> PARSER = ThreadLocal.withInitial(() -> {
        LoaderOptions loader = new LoaderOptions();
        loader.setMaxAliasesForCollections(SpecCodec.MAX_ALIASES);
        loader.setNestingDepthLimit(SpecCodec.MAX_DEPTH);
        loader.setCodePointLimit(SpecCodec.MAX_DOCUMENT_BYTES);
        DumperOptions dumper = new DumperOptions();
        return new Yaml(new SafeConstructor(loader), new Representer(dumper), dumper, loader);
    });

    private final Map<String, JsonNode> anchors = new HashMap<>();
    /** The characters each anchored node stands for, aliases inside it expanded. */
    private final Map<String, Long> weights = new HashMap<>();
    private int collectionAliases;
    /** The characters of the document with every alias expanded: an alias counts as much as what it repeats. */
    private long expanded;

    private YamlTree() {
    }

    static JsonNode parse(String text) {
        try {
            return new YamlTree().document(PARSER.get().parse(new StringReader(text)).iterator());
        } catch (MarkedYAMLException e) {
            throw InvalidSpecException.of("", "malformed YAML" + where(e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark())
                    + ": " + describe(e));
        } catch (YAMLException e) {
            throw InvalidSpecException.of("", "malformed YAML: " + describe(e));
        }
    }

    private JsonNode document(Iterator<Event> events) {
        JsonNode root = null;
        int documents = 0;
        while (events.hasNext()) {
            Event e = events.next();
            if (e.is(Event.ID.DocumentStart)) {
                if (++documents > 1) {
                    throw fail(e.getStartMark(), "a spec file holds one document; found a second one");
                }
            } else if (e instanceof NodeEvent) {
                root = node(e, events, 1);
            }
        }
        if (root == null || root.isNull()) {
            throw InvalidSpecException.of("", "the document is empty");
        }
        return root;
    }

    private JsonNode node(Event e, Iterator<Event> events, int depth) {
        if (depth > SpecCodec.MAX_DEPTH) {
            throw fail(e.getStartMark(), "nested deeper than " + SpecCodec.MAX_DEPTH + " levels");
        }
        if (e instanceof AliasEvent alias) {
            JsonNode target = anchors.get(alias.getAnchor());
            if (target == null) {
                throw fail(e.getStartMark(), "unknown alias *" + alias.getAnchor());
            }
            if (target.isContainerNode() && ++collectionAliases > SpecCodec.MAX_ALIASES) {
                throw fail(e.getStartMark(), "too many aliases (more than " + SpecCodec.MAX_ALIASES + "); alias expansion is limited to refuse alias bombs");
            }
            grow(weights.get(alias.getAnchor()), e.getStartMark());
            return target;
        }
        long before = expanded;
        JsonNode result;
        if (e instanceof ScalarEvent scalar) {
            result = scalar(scalar);
        } else if (e instanceof MappingStartEvent) {
            ObjectNode o = NODES.objectNode();
            Event next;
            while (!(next = events.next()).is(Event.ID.MappingEnd)) {
                if (!(next instanceof ScalarEvent key)) {
                    throw fail(next.getStartMark(), "keys must be plain strings");
                }
                grow(key.getValue().length(), key.getStartMark());
                JsonNode value = node(events.next(), events, depth + 1);
                if (o.has(key.getValue())) {
                    throw fail(key.getStartMark(), "duplicate key " + key.getValue());
                }
                o.set(key.getValue(), value);
            }
            result = o;
        } else if (e instanceof SequenceStartEvent) {
            ArrayNode a = NODES.arrayNode();
            Event next;
            while (!(next = events.next()).is(Event.ID.SequenceEnd)) {
                a.add(node(next, events, depth + 1));
            }
            result = a;
        } else {
            throw fail(e.getStartMark(), "unexpected " + e);
        }
        String anchor = e instanceof ScalarEvent s ? s.getAnchor() : e instanceof CollectionStartEvent c ? c.getAnchor() : null;
        if (anchor != null) {
            anchors.put(anchor, result);
            weights.put(anchor, expanded - before);
        }
        return result;
    }

    /**
     * Counts characters the parsed tree stands for, aliases expanded, and refuses a document that expands past the
     * document limit: a small file whose aliases repeat a long scalar or a list thousands of times is as large, once
     * read, as the file it would be written out.
     */
    private void grow(long characters, Mark at) {
        expanded += characters;
        if (expanded > SpecCodec.MAX_DOCUMENT_BYTES) {
            throw fail(at, "the document expands through its aliases to more than " + SpecCodec.MAX_DOCUMENT_BYTES
                    + " characters (1 MiB), the limit for a document");
        }
    }

    private JsonNode scalar(ScalarEvent s) {
        String v = s.getValue();
        grow(v.length(), s.getStartMark());
        String tag = s.getTag();
        if (tag != null && tag.endsWith(":str") || !s.getImplicit().canOmitTagInPlainScalar()) {
            return NODES.textNode(v);
        }
        switch (v) {
            case "", "~", "null", "Null", "NULL":
                return NODES.nullNode();
            case "true", "True", "TRUE":
                return NODES.booleanNode(true);
            case "false", "False", "FALSE":
                return NODES.booleanNode(false);
            default:
                break;
        }
        if ((isInteger(v) || isFloat(v)) && v.length() > SpecCodec.MAX_NUMBER_LENGTH) {
            throw fail(s.getStartMark(), "a number of " + v.length() + " characters; numbers are at most " + SpecCodec.MAX_NUMBER_LENGTH
                    + " characters long");
        }
        if (isInteger(v)) {
            BigInteger big = new BigInteger(v.startsWith("+") ? v.substring(1) : v);
            return big.bitLength() < 32 ? NODES.numberNode(big.intValue())
                    : big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
        }
        if (isFloat(v)) {
            return NODES.numberNode(Double.parseDouble(v));
        }
        return NODES.textNode(v);
    }

    private static boolean isInteger(String v) {
        int i = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
        if (i == v.length()) {
            return false;
        }
        for (; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isFloat(String v) {
        int i = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
        boolean digits = false;
        boolean dot = false;
        for (; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c >= '0' && c <= '9') {
                digits = true;
            } else if (c == '.' && !dot) {
                dot = true;
            } else if ((c == 'e' || c == 'E') && digits) {
                String exp = v.substring(i + 1);
                return isInteger(exp);
            } else {
                return false;
            }
        }
        return digits && dot;
    }

    private static InvalidSpecException fail(Mark m, String message) {
        return InvalidSpecException.of("", "malformed YAML" + where(m) + ": " + message);
    }

    private static String where(Mark m) {
        return m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
    }

    private static String describe(YAMLException e) {
        String all = String.valueOf(e.getMessage());
        if (all.contains("code points")) {
            return "the document is larger than the limit of " + SpecCodec.MAX_DOCUMENT_BYTES + " bytes (1 MiB)";
        }
        if (e instanceof MarkedYAMLException m) {
            String problem = m.getProblem() == null ? "" : m.getProblem();
            String context = m.getContext();
            return context == null ? problem : context + ": " + problem;
        }
        return all.lines().findFirst().orElse(all);
    }
}
