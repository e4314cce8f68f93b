package dev.baton.nomad.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.NotFoundException;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Secrets as Nomad Variables under {@value #PREFIX}{@code <name>}, written with check-and-set on the variable's
 * ModifyIndex, so a concurrent change is a conflict and not a lost update. Tasks read them through a template.
 */
public final class NomadSecrets {
    public static final String PREFIX = "baton/secrets/";
    private final NomadClient client;

    public NomadSecrets(NomadClient client) {
        this.client = client;
    }

    private JsonNode read(String name) {
        try {
            return client.get("/v1/var/" + PREFIX + name, Map.of()).body();
        } catch (NotFoundException e) {
            return null;
        }
    }

    public void put(String name, SecretData data) {
        // a variable's items are strings (JSON): bytes that are not UTF-8 would reach the task changed
        for (String k : data.keys()) {
            try {
                java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(data.bytes(k)));
            } catch (java.nio.charset.CharacterCodingException e) {
                throw dev.baton.InvalidSpecException.of("keys." + k, "the value of " + k + " is not UTF-8 text, and a Nomad variable holds"
                        + " text only; encode it (base64, say) and decode it in the task");
            }
        }
        JsonNode current = read(name);
        long cas = current == null ? 0 : current.path("ModifyIndex").asLong();
        ObjectNode body = NomadClient.JSON.createObjectNode();
        body.put("Path", PREFIX + name);
        if (client.namespace() != null) {
            body.put("Namespace", client.namespace());
        }
        ObjectNode items = body.putObject("Items");
        data.keys().forEach(k -> items.put(k, data.string(k)));
        client.write("PUT", "/v1/var/" + PREFIX + name, Map.of("cas", Long.toString(cas)), body);
    }

    public List<SecretInfo> list() {
        List<SecretInfo> out = new ArrayList<>();
        for (JsonNode v : client.get("/v1/vars", Map.of("prefix", PREFIX)).body()) {
            String path = v.path("Path").asText();
            String name = path.substring(PREFIX.length());
            JsonNode full = read(name);
            Set<String> keys = new HashSet<>();
            if (full != null) {
                full.path("Items").fieldNames().forEachRemaining(keys::add);
            }
            out.add(new SecretInfo(name, keys, Long.toString(v.path("ModifyIndex").asLong())));
        }
        return out;
    }

    public void delete(String name) {
        JsonNode current = read(name);
        if (current == null) {
            throw NotFoundException.of(JobTranslator.PLATFORM, "secret", name, null);
        }
        client.write("DELETE", "/v1/var/" + PREFIX + name, Map.of("cas", Long.toString(current.path("ModifyIndex").asLong())), null);
    }
}
