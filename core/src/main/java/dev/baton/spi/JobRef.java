package dev.baton.spi;

/**
 * A job id split into namespace and name: {@code name} or {@code namespace/name}.
 *
 * @since 0.1
 */
public record JobRef(String namespace, String name) {

    /** Reads {@code name} or {@code namespace/name}, using {@code defaultNamespace} for the former. */
    public static JobRef parse(String jobId, String defaultNamespace) {
        int slash = jobId.lastIndexOf('/');
        return slash < 0 ? new JobRef(defaultNamespace, jobId) : new JobRef(jobId.substring(0, slash), jobId.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace == null ? name : namespace + "/" + name;
    }
}
