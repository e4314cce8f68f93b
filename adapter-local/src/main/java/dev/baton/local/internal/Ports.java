package dev.baton.local.internal;

import dev.baton.PlatformException;
import dev.baton.model.Protocol;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out ports on 127.0.0.1: a dynamic port from a range is one nobody holds (Baton's own instances, checked by
 * bookkeeping, and any other process, checked by binding it), so two instances never get the same port.
 */
final class Ports {
    static final int FIRST = 20000;
    static final int LAST = 32000;

    private final Set<Integer> taken = new HashSet<>();
    private int next = FIRST + (int) (ProcessHandle.current().pid() % (LAST - FIRST));

    synchronized int allocate(Protocol protocol) {
        for (int tries = 0; tries <= LAST - FIRST; tries++) {
            int port = next;
            next = next >= LAST ? FIRST : next + 1;
            if (!taken.contains(port) && free(port, protocol)) {
                taken.add(port);
                return port;
            }
        }
        throw PlatformException.of(Engine.PLATFORM, "no free port between " + FIRST + " and " + LAST, null);
    }

    /** A fixed port; the process itself will fail to bind it if something else holds it. */
    synchronized int reserve(int port, Protocol protocol) {
        if (!taken.add(port)) {
            throw PlatformException.of(Engine.PLATFORM, "port " + port + "/" + protocol.id() + " is already used by another Baton instance", null);
        }
        return port;
    }

    /**
     * The ports of one instance, all or none: a dynamic port for each port without a number, the fixed ones as given.
     * When one cannot be had, the ones taken for this instance are given back before the failure is reported.
     */
    synchronized java.util.Map<String, Integer> allocate(java.util.List<dev.baton.model.PortSpec> specs) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        try {
            for (dev.baton.model.PortSpec p : specs) {
                out.put(p.name(), p.isDynamic() ? allocate(p.protocol()) : reserve(p.port(), p.protocol()));
            }
            return out;
        } catch (RuntimeException e) {
            taken.removeAll(out.values());
            throw e;
        }
    }

    /** Marks ports an adopted instance holds as taken. */
    synchronized void adopt(Collection<Integer> ports) {
        taken.addAll(ports);
    }

    /** How many ports are handed out (for tests: none may leak). */
    synchronized int inUse() {
        return taken.size();
    }

    synchronized void release(Collection<Integer> ports) {
        taken.removeAll(ports);
    }

    static boolean free(int port, Protocol protocol) {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try {
            if (protocol == Protocol.UDP) {
                try (DatagramSocket s = new DatagramSocket(at)) {
                    return s.isBound();
                }
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(at);
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
