package dev.baton.marathon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, item 2: {@link MarathonOrchestrator#using} runs over the application's own {@link OkHttpClient} as given, and
 * leaves it working when the orchestrator is closed.
 */
class MarathonOwnClientTest {
    private MarathonDouble marathon;
    private OkHttpClient client;

    @BeforeEach
    void start() {
        marathon = new MarathonDouble();
        // the application's client: an interceptor that adds a header, as one adding a token or a trace id would
        client = new OkHttpClient.Builder()
                .addInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("X-Team", "blue").build()))
                .build();
    }

    @AfterEach
    void stop() {
        // the application closes its own client
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        marathon.shutdown();
    }

    @Test
    void anApplicationsOwnClientIsUsedAsGivenAndStillWorksAfterTheOrchestratorIsClosed() throws Exception {
        String base = "http://" + marathon.address();
        // a call of the application's own on the same client, open across the orchestrator's close: its own event stream
        Call own = client.newCall(new Request.Builder().url(base + "/v2/events").header("Accept", "text/event-stream").build());
        try (Response ownStream = own.execute()) {
            assertThat(ownStream.code()).isEqualTo(200);
            int streamsBefore = marathon.eventRequests.size();

            Orchestrator o = MarathonOrchestrator.using(client, List.of(URI.create(base)));
            try {
                assertThat(o).as("validated and capability-checked as Orchestrators.connect's").isInstanceOf(dev.baton.internal.GuardedOrchestrator.class);
                var result = o.deploy(MarathonRequestsTest.job()).await(Duration.ofSeconds(20));
                assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.HEALTHY);
                assertThat(o.status("web").instances()).hasSize(2);
                o.undeploy("web");
            } finally {
                o.close();
            }

            assertThat(marathon.eventRequests.size()).as("the orchestrator's event stream").isGreaterThan(streamsBefore);
            // every request Marathon saw went through the application's interceptor, the event streams too
            assertThat(marathon.server.getAllServeEvents()).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.getRequest().getHeader("X-Team")).as(e.getRequest().getUrl()).isEqualTo("blue"));
            assertThat(marathon.eventRequests).allSatisfy(r -> assertThat(r.header("X-Team")).as(r.url()).isEqualTo("blue"));

            // closed, the orchestrator left the client alone: its call, its threads and its pooled connections
            assertThat(own.isCanceled()).as("the application's own call").isFalse();
            assertThat(client.dispatcher().executorService().isShutdown()).isFalse();
            assertThat(client.connectionPool().idleConnectionCount()).as("pooled connections, not evicted").isPositive();
            try (Response info = client.newCall(new Request.Builder().url(base + "/v2/info").build()).execute()) {
                assertThat(info.code()).isEqualTo(200);
            }
        } finally {
            own.cancel();
        }
    }
}
