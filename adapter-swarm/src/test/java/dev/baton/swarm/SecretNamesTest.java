package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import dev.baton.model.JobSpec;
import dev.baton.model.SecretMount;
import dev.baton.swarm.internal.Engine;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Swarm secret names are at most 64 characters of {@code [a-zA-Z0-9-_.]}, alphanumeric at both ends (moby/swarmkit
 * {@code manager/controlapi/common.go validateConfigOrSecretAnnotations}, InvalidArgument, HTTP 400); Baton's
 * {@code <secret>.<key>.v<N>} can be longer (a 63-character secret name, a 253-character key). The stand-in engine
 * keeps secrets and applies swarmkit's rule.
 */
class SecretNamesTest {
    private static final Pattern SWARMKIT_RULE = Pattern.compile("^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$");
    private final EngineDouble engine = new EngineDouble();
    private final Map<String, ObjectNode> stored = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    @AfterEach
    void stop() {
        engine.close();
    }

    private void secretStore() {
        engine.on("POST", "/secrets/create", r -> {
            JsonNode body = r.json();
            String name = body.path("Name").asText();
            if (name.length() > 64 || !SWARMKIT_RULE.matcher(name).matches()) {
                return EngineDouble.Reply.error(400, "rpc error: code = InvalidArgument desc = invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, "
                        + "and the start and end character must be [a-zA-Z0-9]");
            }
            if (stored.values().stream().anyMatch(s -> s.path("Spec").path("Name").asText().equals(name))) {
                return EngineDouble.Reply.error(409, "rpc error: code = AlreadyExists desc = secret " + name + " already exists");
            }
            String id = "sec" + ids.incrementAndGet();
            ObjectNode s = Engine.JSON.createObjectNode().put("ID", id);
            ObjectNode spec = s.putObject("Spec");
            spec.put("Name", name);
            spec.set("Labels", body.path("Labels"));
            stored.put(id, s);
            return new EngineDouble.Reply(201, "{\"ID\":\"" + id + "\"}");
        }).on("GET", "/secrets", r -> {
            JsonNode filters = parse(r.query().get("filters"));
            ArrayNode out = Engine.JSON.createArrayNode();
            stored.values().forEach(s -> {
                boolean match = true;
                for (var it = filters.path("label").fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    int eq = f.indexOf('=');
                    JsonNode v = s.path("Spec").path("Labels").path(eq < 0 ? f : f.substring(0, eq));
                    match &= !v.isMissingNode() && (eq < 0 || v.asText().equals(f.substring(eq + 1)));
                }
                if (match) {
                    out.add(s);
                }
            });
            return EngineDouble.Reply.json(out.toString());
        }).on("DELETE", "/secrets/.*", r -> {
            stored.remove(r.path().substring("/secrets/".length()));
            return new EngineDouble.Reply(204, "");
        });
    }

    private static JsonNode parse(String json) {
        try {
            return Engine.JSON.readTree(json == null ? "{}" : json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> names() {
        return stored.values().stream().map(s -> s.path("Spec").path("Name").asText()).sorted().toList();
    }

    @Test
    void theLongestSecretNamesAndKeysFitSwarmsRuleAndAreFoundAgain() {
        secretStore();
        String secret = "s" + "e".repeat(61) + "t";
        String key = "k." + "x".repeat(200) + "-_.end";
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            swarm.put(secret, SecretData.of(Map.of(key, "v1", "password", "p1")));
            assertThat(names()).hasSize(2).allSatisfy(n -> {
                assertThat(n.length()).isLessThanOrEqualTo(64);
                assertThat(n).matches(SWARMKIT_RULE).endsWith(".v1");
            });
            assertThat(swarm.list()).extracting(SecretInfo::name, SecretInfo::keys, SecretInfo::version)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(secret, java.util.Set.of(key, "password"), "v1"));

            swarm.put(secret, SecretData.of(Map.of(key, "v1", "password", "p1"))); // the same values: nothing new
            assertThat(names()).hasSize(2);

            swarm.put(secret, SecretData.of(Map.of(key, "v2", "password", "p2")));
            assertThat(names()).hasSize(2).allSatisfy(n -> assertThat(n).matches(SWARMKIT_RULE).hasSizeLessThanOrEqualTo(64).endsWith(".v2"));
            assertThat(swarm.list()).singleElement().satisfies(s -> assertThat(s.version()).isEqualTo("v2"));

            swarm.delete(secret);
            assertThat(stored).isEmpty();
        }
    }

    @Test
    void aShortNameStaysReadableAndAKeyWithDotsIsMountedFromTheRightSecret() {
        secretStore();
        engine.on("GET", "/services", r -> EngineDouble.Reply.json("[]"))
                .on("GET", "/distribution/.*", r -> EngineDouble.Reply.error(500, "no registry"))
                .on("POST", "/services/create", r -> new EngineDouble.Reply(201, "{\"ID\":\"svc1\"}"));
        JobSpec spec = SwarmWorkloads.service("shop", 1, SwarmWorkloads.server("shop", 1)
                .secret(SecretMount.file("tls", "tls.crt", "/etc/tls/tls.crt")).build(), null).toBuilder().secret("tls").build();
        try (SwarmOrchestrator swarm = engine.orchestrator()) {
            swarm.put("tls", SecretData.of("tls.crt", "CERT"));
            assertThat(names()).containsExactly("tls.tls.crt.v1");
            swarm.deploy(spec);
        }

        JsonNode mount = engine.requests("POST", "/services/create").get(0).json().path("TaskTemplate").path("ContainerSpec").path("Secrets").get(0);
        assertThat(mount.path("SecretName").asText()).isEqualTo("tls.tls.crt.v1");
        assertThat(mount.path("SecretID").asText()).isEqualTo(stored.keySet().iterator().next());
    }
}
