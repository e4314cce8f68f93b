package dev.baton.model;

/**
 * One key of a declared secret, given to a task as an environment variable or as a file (exactly one of them).
 *
 * @since 0.1
 */
public record SecretMount(String secret, String key, String env, String file) {
    public static SecretMount env(String secret, String key, String env) {
        return new SecretMount(secret, key, env, null);
    }

    public static SecretMount file(String secret, String key, String file) {
        return new SecretMount(secret, key, null, file);
    }

    public boolean isEnv() {
        return env != null;
    }
}
