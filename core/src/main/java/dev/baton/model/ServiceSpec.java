package dev.baton.model;

/**
 * How other things reach a group: a DNS-style name, the task port it fronts, and whether it is published on
 * the hosts ({@code publishedPort} only with {@link Exposure#PUBLISHED}, {@code null} to let the platform choose).
 *
 * @since 0.1
 */
public record ServiceSpec(String name, String port, Exposure expose, Integer publishedPort) {
    public ServiceSpec {
        expose = expose == null ? Exposure.INTERNAL : expose;
    }

    public static ServiceSpec internal(String name, String port) {
        return new ServiceSpec(name, port, Exposure.INTERNAL, null);
    }

    public static ServiceSpec published(String name, String port, Integer publishedPort) {
        return new ServiceSpec(name, port, Exposure.PUBLISHED, publishedPort);
    }
}
