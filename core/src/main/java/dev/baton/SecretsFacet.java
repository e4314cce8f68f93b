package dev.baton;

import java.util.List;

/**
 * Stores secrets on the platform, for jobs that declare them. Values are written, never read back.
 *
 * @since 0.1
 */
public interface SecretsFacet {

    /** Creates or replaces a secret with the given keys and values. */
    void put(String name, SecretData data);

    /** The secrets there are, with their keys but without values. */
    List<SecretInfo> list();

    void delete(String name);
}
