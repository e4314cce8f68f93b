package dev.baton.kubernetes.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;

/**
 * Conversions between Baton's JSON trees (Jackson 2) and fabric8's objects without a JSON string in between. fabric8
 * 8 serialises with Jackson 3 ({@code tools.jackson}), whose tree and annotation handling Jackson 2 cannot use, so a
 * fabric8 object becomes a Jackson 3 tree through fabric8's own mapper (its serializers for {@code IntOrString},
 * {@code Quantity} and the rest apply) and that tree is copied node by node into a Jackson 2 one; the other way
 * round mirrors it.
 */
public final class Fabric8Trees {
    private static final JsonNodeFactory F2 = JsonNodeFactory.instance;
    private static final tools.jackson.databind.node.JsonNodeFactory F3 = tools.jackson.databind.node.JsonNodeFactory.instance;

    private Fabric8Trees() {
    }

    /** A fabric8 object as a Jackson 2 tree, as fabric8 would write it. */
    public static JsonNode toJackson2(Object fabric8Object) {
        tools.jackson.databind.JsonNode tree = Serialization.jsonMapper().valueToTree(fabric8Object);
        return toJackson2(tree);
    }

    /** A Jackson 2 tree as a fabric8 object of {@code type} (for an abstract type such as {@code HasMetadata}, by its kind). */
    public static <T> T toFabric8(JsonNode node, Class<T> type) {
        return Serialization.jsonMapper().treeToValue(toJackson3(node), type);
    }

    static JsonNode toJackson2(tools.jackson.databind.JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT: {
                ObjectNode o = F2.objectNode();
                for (Map.Entry<String, tools.jackson.databind.JsonNode> e : n.properties()) {
                    o.set(e.getKey(), toJackson2(e.getValue()));
                }
                return o;
            }
            case ARRAY: {
                ArrayNode a = F2.arrayNode(n.size());
                for (tools.jackson.databind.JsonNode v : n.values()) {
                    a.add(toJackson2(v));
                }
                return a;
            }
            case STRING:
                return F2.textNode(n.stringValue());
            case BOOLEAN:
                return F2.booleanNode(n.booleanValue());
            case NUMBER:
                return number2(n.numberValue());
            case NULL:
            case MISSING:
                return F2.nullNode();
            case BINARY:
                return F2.binaryNode(n.binaryValue());
            default:
                // a POJO node: fabric8 does not put any in a tree it writes
                throw new IllegalArgumentException("unexpected node type " + n.getNodeType());
        }
    }

    private static JsonNode number2(Number v) {
        if (v instanceof Integer i) {
            return F2.numberNode(i);
        } else if (v instanceof Long l) {
            return F2.numberNode(l);
        } else if (v instanceof Double d) {
            return F2.numberNode(d);
        } else if (v instanceof Float f) {
            return F2.numberNode(f);
        } else if (v instanceof java.math.BigInteger b) {
            return F2.numberNode(b);
        } else if (v instanceof java.math.BigDecimal b) {
            return F2.numberNode(b);
        } else if (v instanceof Short s) {
            return F2.numberNode(s);
        }
        return F2.numberNode(v.longValue());
    }

    static tools.jackson.databind.JsonNode toJackson3(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT: {
                tools.jackson.databind.node.ObjectNode o = F3.objectNode();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    o.set(e.getKey(), toJackson3(e.getValue()));
                }
                return o;
            }
            case ARRAY: {
                tools.jackson.databind.node.ArrayNode a = F3.arrayNode(n.size());
                for (JsonNode v : n) {
                    a.add(toJackson3(v));
                }
                return a;
            }
            case STRING:
                return F3.stringNode(n.textValue());
            case BOOLEAN:
                return F3.booleanNode(n.booleanValue());
            case NUMBER:
                return number3(n.numberValue());
            case NULL:
            case MISSING:
                return F3.nullNode();
            case BINARY:
                try {
                    return F3.binaryNode(n.binaryValue());
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException(e);
                }
            default:
                throw new IllegalArgumentException("unexpected node type " + n.getNodeType());
        }
    }

    private static tools.jackson.databind.JsonNode number3(Number v) {
        if (v instanceof Integer i) {
            return F3.numberNode(i.intValue());
        } else if (v instanceof Long l) {
            return F3.numberNode(l.longValue());
        } else if (v instanceof Double d) {
            return F3.numberNode(d.doubleValue());
        } else if (v instanceof Float f) {
            return F3.numberNode(f.floatValue());
        } else if (v instanceof java.math.BigInteger b) {
            return F3.numberNode(b);
        } else if (v instanceof java.math.BigDecimal b) {
            return F3.numberNode(b);
        } else if (v instanceof Short s) {
            return F3.numberNode(s.shortValue());
        }
        return F3.numberNode(v.longValue());
    }
}
