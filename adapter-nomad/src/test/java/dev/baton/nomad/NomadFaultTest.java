package dev.baton.nomad;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.baton.Deployment;
import dev.baton.DeploymentResult;
import dev.baton.DeploymentResult.Outcome;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.PlatformException;
import dev.baton.PlatformUnavailableException;
import dev.baton.Target;
import dev.baton.spi.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that answers slowly, never, or with an empty or broken body: every request ends by its call timeout, an
 * await by its deadline (or at once when its thread is interrupted), and a 2xx that is not JSON is a
 * {@link PlatformException} naming the request.
 */
class NomadFaultTest {
    private NomadDouble nomad;
    private WireMockServer wire;

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.stop();
        }
        if (nomad != null) {
            nomad.shutdown();
        }
    }

    private static Orchestrator connect(String address, Duration requestTimeout, RetryPolicy retry) {
        return Orchestrators.connect(Target.parse("nomad://" + address), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(requestTimeout).connectTimeout(Duration.ofSeconds(1)).retryPolicy(retry).build());
    }

    private static final RetryPolicy RETRIES = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(30));

    private WireMockServer wire() {
        // without gzip: a gzipped body is held back until it ends, and a dripped one would not drip
        wire = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort().gzipDisabled(true));
        wire.start();
        return wire;
    }

    /** A proxy in front of {@link NomadDouble} whose blocking queries (the requests with an {@code index}) never answer. */
    private void proxyWithBlockingQueriesThatNeverAnswer() {
        nomad = new NomadDouble();
        // the allocations stay pending: an await has to wait
        nomad.holdStarts(true);
        wire();
        wire.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom("http://" + nomad.address())));
        wire.stubFor(get(anyUrl()).withQueryParam("index", matching(".+")).atPriority(5)
                .willReturn(aResponse().withFixedDelay(60_000).withStatus(200).withBody("[]")));
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private List<ServeEvent> blockingQueries() {
        return wire.getAllServeEvents().stream().filter(e -> e.getRequest().getUrl().contains("index=")).toList();
    }

    /**
     * A body dripped one byte every half second never trips the read timeout (2 s): only the call timeout ends the
     * request, for a read as for a write, each sent once.
     */
    @Test
    void aServerThatDripsItsAnswerFailsTheRequestAtTheRequestTimeout() {
        wire();
        String slowJson = " ".repeat(40) + "null";
        // status reads the job first (issue 16: the job and its allocations, no deployment)
        wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(200).withBody(slowJson)
                .withChunkedDribbleDelay(slowJson.length(), 22_000)));
        wire.stubFor(get(urlPathEqualTo("/v1/job/new")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(200).withBody(" ".repeat(40) + "{\"JobModifyIndex\":11}")
                .withChunkedDribbleDelay(60, 22_000)));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(2), RetryPolicy.none())) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                long start = System.nanoTime();
                assertThatThrownBy(() -> o.status("web")).isInstanceOf(PlatformUnavailableException.class)
                        .hasMessageContaining("GET /v1/job/web timed out");
                assertThat(seconds(start)).isLessThan(3.5);

                start = System.nanoTime();
                assertThatThrownBy(() -> o.deploy(NomadRequestsTest.job().toBuilder().name("new").build()))
                        .isInstanceOf(PlatformUnavailableException.class).hasMessageContaining("POST /v1/jobs timed out");
                assertThat(seconds(start)).isLessThan(3.5);
            });
        }
        assertThat(wire.findAll(getRequestedFor(urlPathEqualTo("/v1/job/web")))).hasSize(1);
        assertThat(wire.findAll(postRequestedFor(urlPathEqualTo("/v1/jobs")))).hasSize(1);
    }

    /**
     * A blocking query may take its wait on top of the request timeout: with a request timeout of 1 s, the await's
     * blocking queries of several seconds are answered (when nothing changes, after their wait) and the await ends
     * TIMED_OUT at its deadline, not in a timeout of the request.
     */
    @Test
    void aBlockingQueryHasItsWaitOnTopOfTheRequestTimeout() {
        nomad = new NomadDouble();
        nomad.holdStarts(true);
        try (Orchestrator o = connect(nomad.address(), Duration.ofSeconds(1), RETRIES)) {
            Deployment d = o.deploy(NomadRequestsTest.job());
            DeploymentResult result = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> d.await(Duration.ofSeconds(6)));

            assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.TIMED_OUT);
        }
        assertThat(nomad.requests).map(e -> e.getRequest().getUrl()).anyMatch(u -> u.matches(".*[?&]index=\\d+&wait=([2-9]|\\d\\d+)s$"));
    }

    /**
     * Issue 17: an await of 5 s against a blocking query that never answered took 43 s and threw. Now the wait of each
     * blocking query is capped by the time left, every request of the await is cut at its deadline, and the await ends
     * TIMED_OUT within a second of it, whether the blocking queries or all requests go unanswered.
     */
    @Test
    void anAwaitEndsTimedOutAtItsDeadlineWhenTheServerNeverAnswers() {
        proxyWithBlockingQueriesThatNeverAnswer();
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(10), RETRIES)) {
            Deployment d = o.deploy(NomadRequestsTest.job());
            assertTimeoutPreemptively(Duration.ofSeconds(40), () -> {
                long start = System.nanoTime();
                DeploymentResult result = d.await(Duration.ofSeconds(3));
                double took = seconds(start);

                assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.TIMED_OUT);
                assertThat(took).isLessThan(4.5);
                assertThat(blockingQueries()).isNotEmpty().allSatisfy(e -> {
                    Matcher m = Pattern.compile("[?&]wait=(\\d+)s").matcher(e.getRequest().getUrl());
                    assertThat(m.find()).isTrue();
                    assertThat(Integer.parseInt(m.group(1))).isBetween(1, 3);
                });

                // now nothing is answered at all: the reads of the await are cut at its deadline too
                wire.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withFixedDelay(60_000).withStatus(200).withBody("{}")));
                start = System.nanoTime();
                result = d.await(Duration.ofSeconds(2));
                took = seconds(start);

                assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.TIMED_OUT);
                assertThat(took).isLessThan(3.5);
            });
        }
    }

    /**
     * A server that stops answering for longer than the request timeout: each read of the await times out, is retried
     * by the retry policy (three attempts) and, when those are spent, asked again, until the deadline ends the await
     * TIMED_OUT — not a PlatformUnavailableException before it.
     */
    @Test
    void anAwaitOutlastsRequestTimeoutsAndEndsTimedOut() {
        proxyWithBlockingQueriesThatNeverAnswer();
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(1), RETRIES)) {
            Deployment d = o.deploy(NomadRequestsTest.job());
            wire.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withFixedDelay(60_000).withStatus(200).withBody("{}")));
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                long start = System.nanoTime();
                DeploymentResult result = d.await(Duration.ofSeconds(4));
                double took = seconds(start);

                assertThat(result.outcome()).as(result.message()).isEqualTo(Outcome.TIMED_OUT);
                assertThat(took).isBetween(3.5, 5.0);
            });
        }
        // the await's blocking query on the deployment waits what is left and is cut at the deadline (issue 16: it is
        // no longer a read, timed out and asked again, then a blocking query)
        assertThat(wire.findAll(getRequestedFor(urlPathEqualTo("/v1/job/web/deployment")))).isNotEmpty()
                .allSatisfy(r -> assertThat(r.getUrl()).contains("index="));
    }

    /**
     * An interrupt of the thread that awaits ends the await at once with INTERRUPTED and the thread's interrupt flag
     * set, although the blocking query it was in would not have answered for a minute.
     */
    @Test
    void anInterruptedAwaitEndsAtOnceWithItsOwnOutcomeAndTheFlagSet() throws Exception {
        proxyWithBlockingQueriesThatNeverAnswer();
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(10), RETRIES)) {
            Deployment d = o.deploy(NomadRequestsTest.job());
            AtomicReference<DeploymentResult> result = new AtomicReference<>();
            AtomicBoolean flag = new AtomicBoolean();
            Thread waiter = new Thread(() -> {
                result.set(d.await(Duration.ofSeconds(30)));
                flag.set(Thread.currentThread().isInterrupted());
            }, "awaiting");
            waiter.setDaemon(true);
            waiter.start();
            long until = System.nanoTime() + 10_000_000_000L;
            while (blockingQueries().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(blockingQueries()).as("the await reached its blocking query").isNotEmpty();
            Thread.sleep(200);

            long start = System.nanoTime();
            waiter.interrupt();
            waiter.join(5_000);

            assertThat(waiter.isAlive()).as("the await ended").isFalse();
            assertThat(seconds(start)).isLessThan(2.0);
            assertThat(result.get().outcome()).as(result.get().message()).isEqualTo(Outcome.INTERRUPTED);
            assertThat(flag.get()).as("the interrupt flag is set again").isTrue();
        }
    }

    private static boolean running(String thread) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(thread) && t.isAlive());
    }

    private static boolean endsWithin(String thread, Duration d) throws InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (running(thread) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return !running(thread);
    }

    /**
     * Closing a watch, or the orchestrator, cancels the watch's event stream: its thread ends at once although the
     * stream it is reading has gone silent (an interrupt alone does not reach a thread blocked on a socket).
     */
    @Test
    void closingAWatchOrTheOrchestratorCancelsItsSilentStream() throws Exception {
        wire();
        wire.stubFor(get(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(200).withHeader("X-Nomad-Index", "5").withBody("[]")));
        wire.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/v1/job/[^/]+/allocations"))
                .willReturn(aResponse().withStatus(200).withBody("[]")));
        wire.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/v1/job/[^/]+/deployment"))
                .willReturn(aResponse().withStatus(200).withBody("null")));
        wire.stubFor(get(urlPathEqualTo("/v1/event/stream")).willReturn(aResponse().withFixedDelay(60_000).withStatus(200).withBody("{}\n")));
        Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(2), RETRIES);
        try {
            var first = o.watch("silent-a", e -> { });
            o.watch("silent-b", e -> { });
            long until = System.nanoTime() + 10_000_000_000L;
            while (wire.findAll(getRequestedFor(urlPathEqualTo("/v1/event/stream"))).size() < 2 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(wire.findAll(getRequestedFor(urlPathEqualTo("/v1/event/stream")))).hasSize(2);
            assertThat(running("baton-nomad-events-silent-a")).isTrue();

            first.close();
            assertThat(endsWithin("baton-nomad-events-silent-a", Duration.ofSeconds(2))).as("the closed watch's thread ended").isTrue();
            assertThat(running("baton-nomad-events-silent-b")).isTrue();
        } finally {
            o.close();
        }
        assertThat(endsWithin("baton-nomad-events-silent-b", Duration.ofSeconds(2))).as("close() ended the open watch's thread").isTrue();
    }

    /** An empty or unparsable 2xx is a PlatformException naming the request, on a read and on a write (sent once). */
    @Test
    void anEmptyOrBrokenAnswerIsAPlatformExceptionNamingTheRequest() {
        wire();
        for (String job : List.of("empty", "garbled")) {
            wire.stubFor(get(urlPathEqualTo("/v1/job/" + job + "/deployment")).willReturn(aResponse().withStatus(200).withBody("null")));
            wire.stubFor(get(urlPathEqualTo("/v1/job/" + job + "/versions")).willReturn(aResponse().withStatus(200).withBody("{\"Versions\":[]}")));
        }
        wire.stubFor(get(urlPathEqualTo("/v1/allocations")).willReturn(aResponse().withStatus(200).withBody("[]")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/empty")).willReturn(aResponse().withStatus(200).withBody("")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/garbled")).willReturn(aResponse().withStatus(200).withBody("{not json")));
        wire.stubFor(get(urlPathEqualTo("/v1/job/web")).willReturn(aResponse().withStatus(404).withBody("job not found")));
        wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(200).withBody("")));
        try (Orchestrator o = connect("127.0.0.1:" + wire.port(), Duration.ofSeconds(5), RETRIES)) {
            assertThatThrownBy(() -> o.status("empty")).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("empty answer to GET /v1/job/empty (HTTP 200");
            assertThatThrownBy(() -> o.status("garbled")).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("malformed JSON from GET /v1/job/garbled (HTTP 200)");

            assertThatThrownBy(() -> o.deploy(NomadRequestsTest.job())).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("empty answer to POST /v1/jobs (HTTP 200").hasMessageContaining("whether Nomad made the change is unknown");
            wire.stubFor(post(urlPathEqualTo("/v1/jobs")).willReturn(aResponse().withStatus(200).withBody("{not json")));
            assertThatThrownBy(() -> o.deploy(NomadRequestsTest.job())).isExactlyInstanceOf(PlatformException.class)
                    .hasMessageContaining("malformed JSON from POST /v1/jobs (HTTP 200)").hasMessageContaining("whether Nomad made the change is unknown");
        }
        assertThat(wire.findAll(postRequestedFor(urlPathEqualTo("/v1/jobs")))).hasSize(2);
    }
}
