package dev.baton;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Secret values by key. Its {@code toString} shows the keys only, so values never reach a log or an exception.
 *
 * @since 0.1
 */
public final class SecretData {
    private final Map<String, byte[]> values;

    private SecretData(Map<String, byte[]> values) {
        LinkedHashMap<String, byte[]> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, v.clone()));
        this.values = Collections.unmodifiableMap(copy);
    }

    public static SecretData ofBytes(Map<String, byte[]> values) {
        return new SecretData(values);
    }

    public static SecretData of(Map<String, String> values) {
        LinkedHashMap<String, byte[]> m = new LinkedHashMap<>();
        values.forEach((k, v) -> m.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return new SecretData(m);
    }

    public static SecretData of(String key, String value) {
        return of(Map.of(key, value));
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public byte[] bytes(String key) {
        byte[] v = values.get(key);
        return v == null ? null : v.clone();
    }

    public String string(String key) {
        byte[] v = values.get(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SecretData" + keys() + " (values hidden)";
    }
}
