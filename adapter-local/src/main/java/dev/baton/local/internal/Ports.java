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
