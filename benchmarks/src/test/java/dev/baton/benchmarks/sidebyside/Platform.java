package dev.baton.benchmarks.sidebyside;

import java.util.List;

/** A backend (a test double, a mock API server, a real engine) with Baton and the platform's native client connected to it. */
public interface Platform extends AutoCloseable {
    /** The cases measured on this backend, each Baton against the native client. */
    List<Comparison> comparisons();

    /** Closes both clients and the backend, and removes what the cases left there. */
    @Override
    void close();
}
