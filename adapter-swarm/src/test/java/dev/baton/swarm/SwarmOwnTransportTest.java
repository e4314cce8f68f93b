package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.baton.Orchestrator;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SwarmOrchestrator#using} sends every request, raw and typed, through the application's own docker-java
 * transport (here one that adds a header, as a proxy or an audit layer would), and leaves it open on close.
 */
class SwarmOwnTransportTest {
    private final EngineDouble engine = new EngineDouble()
            .on("GET", "/nodes", r -> EngineDouble.Reply.json(SwarmShapes.array(SwarmShapes.node("n1", "manager", "10.0.0.11", "10.0.0.11:2377"))));

    @AfterEach
    void stop() {
        engine.close();
    }

    /** The application's transport: adds {@code X-Team} to every request, and remembers whether it was closed. */
    static final class Tagging implements DockerHttpClient {
        final DockerHttpClient inner;
        final AtomicBoolean closed = new AtomicBoolean();

        Tagging(URI host) {
            inner = new ApacheDockerHttpClient.Builder().dockerHost(host).build();
        }

        @Override
        public Response execute(Request request) {
            return inner.execute(Request.builder().from(request).putHeader("X-Team", "shop").build());
        }

        @Override
        public void close() throws IOException {
            closed.set(true);
            inner.close();
        }
    }

    @Test
    void everyRequestGoesThroughTheGivenTransportWhichCloseLeavesOpen() throws Exception {
        URI host = URI.create(engine.address());
        Tagging transport = new Tagging(host);

        try (Orchestrator swarm = SwarmOrchestrator.using(host, transport)) {
            swarm.platform();  // GET /version (raw) and GET /nodes (docker-java's typed call)
            swarm.hosts();
        }

        assertThat(engine.requests()).isNotEmpty().allSatisfy(r -> assertThat(r.headers()).containsEntry("X-Team", "shop"));
        assertThat(engine.requests("GET", "/nodes")).isNotEmpty();
        assertThat(transport.closed).as("the application's transport is the application's to close").isFalse();
        transport.close();
    }
}
