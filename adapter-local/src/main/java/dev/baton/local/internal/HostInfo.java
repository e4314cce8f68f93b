package dev.baton.local.internal;

import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.status.Host;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** This machine as a {@link Host}: name, OS, architecture, CPU cores and memory. */
final class HostInfo {
    private static final String HOSTNAME = lookupHostname();

    private HostInfo() {
    }

    static String hostname() {
        return HOSTNAME;
    }

    private static String lookupHostname() {
        try {
            String fromFile = Files.readString(Path.of("/etc/hostname")).trim();
            if (!fromFile.isEmpty()) {
                return fromFile;
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static String os() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        return os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : os;
    }

    static String arch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    static long memoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** The value of a portable host attribute on this machine; {@code null} for labels, which it has none of. */
    static String attribute(String attribute) {
        return switch (attribute) {
            case dev.baton.model.Constraint.HOSTNAME -> HOSTNAME;
            case dev.baton.model.Constraint.OS -> os();
            case dev.baton.model.Constraint.ARCH -> arch();
            default -> null;
        };
    }

    /** Whether this machine satisfies a placement constraint. */
    static boolean satisfies(dev.baton.model.Constraint c) {
        String v = attribute(c.attribute());
        return switch (c.operator()) {
            case EQUAL -> c.value().equals(v);
            case NOT_EQUAL -> !c.value().equals(v);
            case IN -> v != null && c.values().contains(v);
            case NOT_IN -> v == null || !c.values().contains(v);
            case EXISTS -> v != null;
            case NOT_EXISTS -> v == null;
        };
    }

    static Host thisHost(long allocatedMillicores, long allocatedBytes) {
        return new Host(HOSTNAME, HOSTNAME, "127.0.0.1", Host.HostState.READY, Host.Availability.ACTIVE,
                Map.of(),
                Cpu.ofMillicores(Runtime.getRuntime().availableProcessors() * 1000L), ByteSize.ofBytes(memoryBytes()),
                Cpu.ofMillicores(allocatedMillicores), ByteSize.ofBytes(allocatedBytes));
    }
}
