package dev.baton.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386): how a spec's {@code extensions} reach the rendered native object.
 *
 * @since 0.1
 */
public final class JsonMergePatch {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonMergePatch() {
    }

    /** Applies {@code patch} to a copy of {@code target} and returns the result. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (patch == null) {
            return target;
        }
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : MAPPER.createObjectNode();
        patch.properties().forEach(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), apply(result.get(e.getKey()), e.getValue()));
            }
        });
        return result;
    }

    /** Applies a patch given as a JSON-like map, as held by {@link dev.baton.model.Extensions}. */
    public static JsonNode apply(JsonNode target, Map<String, Object> patch) {
        return patch == null ? target : apply(target, (JsonNode) MAPPER.valueToTree(patch));
    }
}
