package dev.baton.kubernetes;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The requests a mock API server received from the client under test: everything but the {@link MockCluster}
 * fixture's own (told apart by its {@link MockCluster#USER_AGENT}). A watch counts as the one request that opens it.
 */
final class RequestLog {
    private final KubernetesMockServer server;

    RequestLog(KubernetesMockServer server) {
        this.server = server;
    }

    /**
     * The requests received since the last call, as {@code METHOD path}, in the order they arrived. The server records
     * a request before it answers it, so once a call has returned all of its requests are here.
     */
    List<String> take() throws InterruptedException {
        return take(0);
    }

    /** As {@link #take()}, after waiting for requests still on their way (a watch being closed) to arrive. */
    List<String> settle() throws InterruptedException {
        return take(150);
    }

    private List<String> take(long waitMillis) throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(waitMillis, TimeUnit.MILLISECONDS)) != null) {
            String agent = r.getHeader("User-Agent");
            if (agent == null || !agent.equals(MockCluster.USER_AGENT)) {
                out.add(r.getMethod() + " " + r.getPath());
            }
        }
        return out;
    }

    /** Forgets what was received so far. */
    void clear() throws InterruptedException {
        settle();
    }

    static List<String> writes(List<String> requests) {
        return requests.stream().filter(r -> !r.startsWith("GET ")).toList();
    }

    static List<String> reads(List<String> requests) {
        return requests.stream().filter(r -> r.startsWith("GET ")).toList();
    }
}
