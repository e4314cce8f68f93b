package dev.baton.marathon;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.Subscription;
import dev.baton.Target;
import dev.baton.spi.RetryPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Marathon that misbehaves: answers that drip in, never come, come empty or are not JSON. Nothing hangs past the
 * time the caller gave, and nothing is taken for a success that was not one.
 */
class MarathonFaultsTest {
    /** Longer than any test here waits: a server that answers this late has, for the caller, not answered. */
    private static final int NEVER_MS = 20_000;
    private WireMockServer wire;
    private MarathonDouble marathon;

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.stop();
        }
        if (marathon != null) {
            marathon.shutdown();
        }
    }

    private WireMockServer wire() {
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        wire.start();
        wire.stubFor(get(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json").withBody("{\"message\":\"App '/web/g' does not exist\"}")));
        return wire;
    }

    private static Orchestrator connect(String address, Duration requestTimeout, RetryPolicy retry) {
        return Orchestrators.connect(Target.parse("marathon://" + address),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(requestTimeout).retryPolicy(retry).build());
    }

    /** Marathon's answer to an app PUT it carried out (RestResource.deploymentResult). */
    private static final String DEPLOYMENT_RESULT = "{\"deploymentId\":\"5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43\",\"version\":\"2026-11-24T00:00:00.000Z\"}";

    // issue 17, item 2: every request has a call timeout of requestTimeout

    @Test
    void aServerThatDripsItsAnswerFailsTheCallAtTheRequestTimeout() {
        wire();
        // a byte about every second: a read timeout of 2 s never fires, only a call timeout ends this
        String body = "{\"apps\":[]}" + " ".repeat(29);
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody(body).withChunkedDribbleDelay(body.length(), body.length() * 1_000)));
        Duration timeout = Duration.ofSeconds(2);
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), timeout, RetryPolicy.none())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> o.status("web")).isInstanceOf(PlatformUnavailableException.class)
                    .hasMessageContaining("GET /v2/apps timed out").hasMessageContaining("2000 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plusSeconds(1));
        }
    }

    @Test
    void theEventStreamIsNotCutByTheCallTimeoutAndItsCloseEndsIt() throws Exception {
        marathon = new MarathonDouble();
        int before = threads("baton-marathon-events");
        try (Orchestrator o = connect(marathon.address(), Duration.ofSeconds(1), RetryPolicy.none())) {
            Subscription s = o.watch("web", e -> { });
            Thread.sleep(2_500);
            // the stream stayed open past the request timeout: one GET /v2/events, never reopened
            assertThat(marathon.eventRequests).hasSize(1);
            assertThat(threads("baton-marathon-events")).isEqualTo(before + 1);
            s.close();
            eventually(() -> threads("baton-marathon-events") == before);
        }
    }

    @Test
    void closingTheOrchestratorEndsAWatchItsCallerLeftOpen() throws Exception {
        marathon = new MarathonDouble();
        int events = threads("baton-marathon-events");
        int watches = threads("baton-marathon-watch");
        Orchestrator o = connect(marathon.address(), Duration.ofSeconds(5), RetryPolicy.none());
        o.watch("web", e -> { });
        eventually(() -> marathon.eventRequests.size() == 1);
        o.close();
        eventually(() -> threads("baton-marathon-events") == events && threads("baton-marathon-watch") == watches);
    }

    // issue 17, item 2: await(d) returns within d + 1 s whatever the server does, and an interrupt ends it as INTERRUPTED

    /** A deploy whose write is answered, and a Marathon that then never answers a read (nor opens the event stream). */
    private Orchestrator deployedThenSilent(Duration requestTimeout) {
        wire();
        wire.stubFor(put(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withHeader("Content-Type", "application/json")
                .withBody(DEPLOYMENT_RESULT)));
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withFixedDelay(NEVER_MS).withBody("{\"apps\":[]}")));
        wire.stubFor(get(urlPathEqualTo("/v2/deployments")).willReturn(aResponse().withFixedDelay(NEVER_MS).withBody("[]")));
        wire.stubFor(get(urlPathEqualTo("/v2/events")).willReturn(aResponse().withFixedDelay(NEVER_MS)));
        return connect("127.0.0.1:" + wire.port(), requestTimeout, RetryPolicy.defaults());
    }

    @Test
    void anAwaitOnAServerThatNeverAnswersTimesOutOnTime() {
        try (Orchestrator o = deployedThenSilent(Duration.ofSeconds(10))) {
            Deployment d = o.deploy(MarathonRequestsTest.job());
            long start = System.nanoTime();
            DeploymentResult r = d.await(Duration.ofSeconds(3));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.outcome()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(took).isLessThan(Duration.ofMillis(4_500));
        }
        assertThat(wire.findAll(anyRequestedFor(urlPathEqualTo("/v2/apps")))).as("the wait read the job").isNotEmpty();
    }

    @Test
    void anAwaitInterruptedWhileMarathonDoesNotAnswerEndsInterruptedAtOnce() throws Exception {
        try (Orchestrator o = deployedThenSilent(Duration.ofSeconds(10))) {
            Deployment d = o.deploy(MarathonRequestsTest.job());
            AtomicReference<DeploymentResult> result = new AtomicReference<>();
            AtomicBoolean flag = new AtomicBoolean();
            AtomicLong ended = new AtomicLong();
            Thread waiter = new Thread(() -> {
                result.set(d.await(Duration.ofSeconds(60)));
                ended.set(System.nanoTime());
                flag.set(Thread.currentThread().isInterrupted());
            }, "waiter");
            waiter.start();
            // the wait is in its read of the job (GET /v2/apps), which Marathon does not answer
            eventually(() -> !wire.findAll(anyRequestedFor(urlPathEqualTo("/v2/apps"))).isEmpty());
            Thread.sleep(500);
            long interrupted = System.nanoTime();
            waiter.interrupt();
            waiter.join(15_000);
            assertThat(waiter.isAlive()).isFalse();
            assertThat(result.get().outcome()).isEqualTo(Outcome.INTERRUPTED);
            assertThat(flag).as("the waiter's interrupt flag is set again").isTrue();
            assertThat(Duration.ofNanos(ended.get() - interrupted)).isLessThan(Duration.ofSeconds(1));
        }
    }

    // issue 17, item 4: an empty or unparsable 2xx answer is a PlatformException naming the request

    @ParameterizedTest
    @ValueSource(strings = {"", "{not json"})
    void anEmptyOrUnparsableAnswerToAReadIsAPlatformErrorNamingTheRequest(String body) {
        wire();
        wire.stubFor(get(urlPathEqualTo("/v2/apps")).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5), RetryPolicy.defaults())) {
            assertThatThrownBy(() -> o.status("web")).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("GET /v2/apps").hasMessageContaining(body.isEmpty() ? "empty answer" : "malformed JSON");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{not json"})
    void anEmptyOrUnparsableAnswerToAWriteIsAPlatformErrorNotASuccess(String body) {
        wire();
        wire.stubFor(put(urlPathEqualTo("/v2/apps/web/g")).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body)));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5), RetryPolicy.defaults())) {
            assertThatThrownBy(() -> o.deploy(MarathonRequestsTest.job())).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("PUT /v2/apps/web/g").hasMessageContaining(body.isEmpty() ? "empty answer" : "malformed JSON");
        }
        assertThat(wire.findAll(putRequestedFor(urlPathEqualTo("/v2/apps/web/g")))).as("the write, sent once").hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{not json"})
    void anEmptyOrUnparsableAnswerToAnUndeployIsAPlatformErrorNotASuccess(String body) {
        wire();
        // the job's group as Marathon shows it (RAML GroupInfo): one app Baton created
        wire.stubFor(get(urlPathEqualTo("/v2/groups/web")).willReturn(aResponse().withHeader("Content-Type", "application/json").withBody(
                "{\"id\":\"/web\",\"apps\":[{\"id\":\"/web/g\",\"labels\":{\"baton.dev/job\":\"web\",\"baton.dev/spec\":\"{}\"}}],"
                        + "\"pods\":[],\"groups\":[],\"dependencies\":[],\"version\":\"2026-11-24T00:00:00.000Z\"}")));
        wire.stubFor(delete(urlPathEqualTo("/v2/groups/web")).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody(body)));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5), RetryPolicy.defaults())) {
            assertThatThrownBy(() -> o.undeploy("web")).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("DELETE /v2/groups/web");
        }
        assertThat(wire.findAll(deleteRequestedFor(urlPathEqualTo("/v2/groups/web")))).as("the delete, sent once").hasSize(1);
    }

    private static int threads(String name) {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    private static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("a condition that did not come true within 5 s").isLessThan(until);
            Thread.sleep(20);
        }
    }
}
