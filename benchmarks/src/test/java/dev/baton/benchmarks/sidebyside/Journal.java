package dev.baton.benchmarks.sidebyside;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * The requests a WireMock-based double received, from WireMock's request journal (every request the double answered
 * through WireMock; a double's own servlets, such as Marathon's event stream, are counted by the double).
 */
public final class Journal implements Side.RequestCount {
    private final WireMockServer server;

    public Journal(WireMockServer server) {
        this.server = server;
    }

    @Override
    public void reset() throws InterruptedException {
        stable();
        server.resetRequests();
    }

    @Override
    public int count() throws InterruptedException {
        return stable();
    }

    /** The journal's size once it has not changed for 100 ms (requests still on their way are in by then). */
    private int stable() throws InterruptedException {
        int n = server.getAllServeEvents().size();
        while (true) {
            Thread.sleep(100);
            int m = server.getAllServeEvents().size();
            if (m == n) {
                return n;
            }
            n = m;
        }
    }
}
