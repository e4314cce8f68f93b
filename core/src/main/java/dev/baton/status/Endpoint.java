package dev.baton.status;

/**
 * An address at which a service of a job can be reached: one instance's host and port, or a virtual IP.
 *
 * @since 0.1
 */
public record Endpoint(String service, String instanceId, String address, int port) {
    public String hostAndPort() {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
