package dev.baton;

import java.util.Set;

/**
 * A stored secret's name, its keys and its platform version, never its values.
 *
 * @since 0.1
 */
public record SecretInfo(String name, Set<String> keys, String version) {
    public SecretInfo {
        keys = Set.copyOf(keys);
    }
}
