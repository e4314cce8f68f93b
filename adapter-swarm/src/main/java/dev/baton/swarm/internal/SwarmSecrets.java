package dev.baton.swarm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.ConflictException;
import dev.baton.NotFoundException;
import dev.baton.SecretData;
import dev.baton.SecretInfo;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Baton secrets on Swarm. A Swarm secret is one immutable blob, so a Baton secret {@code db} with keys
 * {@code user} and {@code password} is stored as one Swarm secret per key, with a generation in its name
 * ({@code db.password.v3}): putting new values creates the next generation (rotation by versioned name), which the
 * next deploy mounts; older generations are removed once no service uses them. Values never appear in names,
 * labels, logs or messages: a label holds a SHA-256 of each value, so putting the same values again changes nothing.
 */
public final class SwarmSecrets {
    private static final String HASH_LABEL = "baton.dev/secret-sha256";
    /** Swarm's longest secret name (moby/swarmkit {@code manager/controlapi/common.go}). */
    static final int MAX_NAME_LENGTH = 64;
    /** Swarm's secret name pattern (moby/swarmkit {@code manager/controlapi/common.go isValidConfigOrSecretName}). */
    static final java.util.regex.Pattern VALID_NAME = java.util.regex.Pattern.compile("^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$");

    private final Engine engine;

    public SwarmSecrets(Engine engine) {
        this.engine = engine;
    }

    /** The Swarm secret of one key: its id, versioned name and generation. */
    public record Version(String id, String name, String secret, String key, int generation, String hash) {
    }

    /** Every stored version of Baton secrets, or of one secret when {@code secret} is not null. */
    public List<Version> versions(String secret) {
        String filter = secret == null ? ServiceTranslator.SECRET_LABEL : ServiceTranslator.SECRET_LABEL + "=" + secret;
        JsonNode list = engine.get("list secrets", "/secrets", Map.of("filters", Engine.filters(Map.of("label", List.of(filter)))));
        List<Version> out = new ArrayList<>();
        for (JsonNode s : list) {
            JsonNode l = s.path("Spec").path("Labels");
            out.add(new Version(s.path("ID").asText(), s.path("Spec").path("Name").asText(), l.path(ServiceTranslator.SECRET_LABEL).asText(),
                    l.path(ServiceTranslator.SECRET_KEY_LABEL).asText(), l.path(ServiceTranslator.SECRET_VERSION_LABEL).asInt(),
                    l.path(HASH_LABEL).asText()));
        }
        return out;
    }

    private static int latest(List<Version> versions) {
        return versions.stream().mapToInt(Version::generation).max().orElse(0);
    }

    public void put(String name, SecretData data) {
        List<Version> existing = versions(name);
        int generation = latest(existing);
        Map<String, String> current = new TreeMap<>();
        existing.stream().filter(v -> v.generation() == generation).forEach(v -> current.put(v.key(), v.hash()));
        Map<String, String> wanted = new TreeMap<>();
        data.keys().forEach(k -> wanted.put(k, sha256(data.bytes(k))));
        if (generation > 0 && current.equals(wanted)) {
            return;
        }
        int next = generation + 1;
        for (String key : data.keys()) {
            ObjectNode body = Engine.JSON.createObjectNode();
            String versioned = versionedName(name, key, next);
            body.put("Name", versioned);
            ObjectNode labels = body.putObject("Labels");
            labels.put(ServiceTranslator.SECRET_LABEL, name);
            labels.put(ServiceTranslator.SECRET_KEY_LABEL, key);
            labels.put(ServiceTranslator.SECRET_VERSION_LABEL, Integer.toString(next));
            labels.put(HASH_LABEL, wanted.get(key));
            body.put("Data", Base64.getEncoder().encodeToString(data.bytes(key)));
            engine.send("create secret " + versioned, "POST", "/secrets/create", Map.of(), body);
        }
        // older generations go once nothing mounts them; the engine refuses to remove one a service still uses
        for (Version v : existing) {
            try {
                engine.send("remove secret " + v.name(), "DELETE", "/secrets/" + v.id(), Map.of(), null);
            } catch (ConflictException | dev.baton.PlatformException inUse) {
                // still mounted by a service: kept until that service is redeployed and the secret is put again or deleted
            }
        }
    }

    public List<SecretInfo> list() {
        Map<String, List<Version>> bySecret = new LinkedHashMap<>();
        for (Version v : versions(null)) {
            bySecret.computeIfAbsent(v.secret(), x -> new ArrayList<>()).add(v);
        }
        List<SecretInfo> out = new ArrayList<>();
        bySecret.forEach((name, vs) -> {
            int g = latest(vs);
            Set<String> keys = new TreeSet<>();
            vs.stream().filter(v -> v.generation() == g).forEach(v -> keys.add(v.key()));
            out.add(new SecretInfo(name, keys, "v" + g));
        });
        return out;
    }

    public void delete(String name) {
        List<Version> vs = versions(name);
        if (vs.isEmpty()) {
            throw NotFoundException.of(Engine.PLATFORM, "secret", name, "no Swarm secret carries label " + ServiceTranslator.SECRET_LABEL + "=" + name);
        }
        for (Version v : vs) {
            try {
                engine.send("remove secret " + v.name(), "DELETE", "/secrets/" + v.id(), Map.of(), null);
            } catch (dev.baton.PlatformException e) {
                throw ConflictException.of(Engine.PLATFORM, "secret " + name + " is still used by a service: " + e.getMessage(), e);
            }
        }
    }

    /** The newest version of each key of a secret a deploy mounts. */
    public Version resolve(List<Version> all, String secret, String key) {
        int g = latest(all.stream().filter(v -> v.secret().equals(secret)).toList());
        return all.stream().filter(v -> v.secret().equals(secret) && v.key().equals(key) && v.generation() == g).findFirst()
                .orElseThrow(() -> NotFoundException.of(Engine.PLATFORM, "secret", secret,
                        g == 0 ? "it was never put; create it first with the secrets facet (baton secret put)"
                                : "its newest version (v" + g + ") has no key " + key));
    }

    /**
     * The Swarm name of generation {@code generation} of a secret's key: {@code <secret>.<key>.v<N>} when that fits
     * Swarm's rule for secret names, else the name's head, a hash of secret and key, and the generation
     * ({@code <head>-<12 hex>.v<N>}), 64 characters at most. The rule (moby/swarmkit
     * {@code manager/controlapi/common.go validateConfigOrSecretAnnotations}): at most 64 characters of
     * {@code [a-zA-Z0-9-_.]}, the first and the last alphanumeric ({@code ^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$});
     * anything else is refused with InvalidArgument (HTTP 400). Baton secret names (a letter first, then
     * {@code [a-z0-9-]}) and keys ({@code [-._a-zA-Z0-9]}) only ever break its length. Versions are found by their
     * labels, never by parsing names, so the hashed form is found like any other.
     */
    static String versionedName(String secret, String key, int generation) {
        String suffix = ".v" + generation;
        String full = ServiceTranslator.secretName(secret, key) + suffix;
        if (full.length() <= MAX_NAME_LENGTH && VALID_NAME.matcher(full).matches()) {
            return full;
        }
        String hash = sha256((secret + "\n" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 12);
        String head = ServiceTranslator.secretName(secret, key);
        head = head.substring(0, Math.min(head.length(), MAX_NAME_LENGTH - suffix.length() - 1 - hash.length()));
        return head + "-" + hash + suffix;
    }

    private static String sha256(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
