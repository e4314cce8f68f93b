package dev.baton.model;

/**
 * A secret a job uses, declared by name; its values live on the platform, never in the spec.
 *
 * @since 0.1
 */
public record SecretRef(String name) {
    public static SecretRef of(String name) {
        return new SecretRef(name);
    }
}
