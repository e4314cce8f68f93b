package dev.baton.model;

import java.util.Objects;

/**
 * A named port a task listens on; {@code port} is {@code null} for a dynamic port the platform assigns.
 *
 * @since 0.1
 */
public record PortSpec(String name, Integer port, Protocol protocol) {
    public PortSpec {
        Objects.requireNonNull(name, "name");
        protocol = protocol == null ? Protocol.TCP : protocol;
    }

    /** A TCP port with a fixed number. */
    public static PortSpec of(String name, int port) {
        return new PortSpec(name, port, Protocol.TCP);
    }

    /** A TCP port the platform assigns. */
    public static PortSpec dynamic(String name) {
        return new PortSpec(name, null, Protocol.TCP);
    }

    public boolean isDynamic() {
        return port == null;
    }

    /** The environment variable a process task reads this port from: {@code PORT_<NAME>}. */
    public String envName() {
        return envName(name);
    }

    /** {@code PORT_<NAME>} for a port name: upper case, {@code -} as {@code _}. */
    public static String envName(String portName) {
        return "PORT_" + portName.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }
}
