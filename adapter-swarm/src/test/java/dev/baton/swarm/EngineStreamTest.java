package dev.baton.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.spi.RetryPolicy;
import dev.baton.swarm.internal.Engine;
import dev.baton.swarm.internal.EventFeed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#stream}: when the reader has what it waited for, the {@code /events} request ends there. The engine
 * keeps an events response open until its {@code until} (or for ever without one), so a stream that is read to its
 * end before the call returns turns every wait into a wait for the whole window. Here a stand-in engine on 127.0.0.1
 * answers as dockerd does ({@code api/server/router/system/system_routes.go}: a chunked response, one JSON object per
 * event, flushed as it happens), sends one event, then has no news until the client leaves or {@link #HOLD} passes.
 */
class EngineStreamTest {
    private static final Duration HOLD = Duration.ofSeconds(15);
    private static final String EVENT = "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"c1\",\"Attributes\":"
            + "{\"com.docker.swarm.service.name\":\"shop_web\",\"exitCode\":\"1\"}},\"scope\":\"local\",\"time\":1,\"timeNano\":1000000000}\n";

    @Test
    void aStreamTheReaderHasDoneWithIsAbortedNotReadToItsEnd() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> serveOneEventThenWait(server));
            List<JsonNode> seen = new ArrayList<>();
            try (Engine engine = new Engine("tcp://127.0.0.1:" + server.getLocalPort(), null, RetryPolicy.none(),
                    Duration.ofSeconds(5), Duration.ofSeconds(60), "1.41")) {
                engine.stream("follow the engine's events", "/events", Map.of("since", "0"), e -> {
                    seen.add(e);
                    return false;
                });
            }

            assertThat(seen).extracting(e -> e.path("Action").asText()).containsExactly("die");
            assertThat(served.get(HOLD.toSeconds() + 30, TimeUnit.SECONDS)).isEqualTo("the client closed the connection");
        }
    }

    /**
     * {@link EventFeed}: the request an await holds open is read by a thread of its own; the await's end closes it from
     * its own thread, which must abort the request (and end the reading thread), not wait for the engine's next event.
     */
    @Test
    void anEventFeedClosedFromAnotherThreadAbortsItsRequest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> serveOneEventThenWait(server));
            try (Engine engine = new Engine("tcp://127.0.0.1:" + server.getLocalPort(), null, RetryPolicy.none(),
                    Duration.ofSeconds(5), Duration.ofSeconds(60), "1.41")) {
                EventFeed feed = new EventFeed(engine, "follow the engine's events", Map.of("since", "0"), "feed-under-test");
                EventFeed.Next first = feed.next(Duration.ofSeconds(10));
                assertThat(first.event()).isNotNull();
                assertThat(first.event().path("Action").asText()).isEqualTo("die");
                assertThat(feed.next(Duration.ofMillis(200)).event()).as("no news yet").isNull();

                feed.close();

                assertThat(served.get(10, TimeUnit.SECONDS)).isEqualTo("the client closed the connection");
                assertThat(feed.next(Duration.ofSeconds(5)).ended()).isTrue();
                // the reader's last act was to say so: it ends right after
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().equals("feed-under-test")) {
                        t.join(2_000);
                        assertThat(t.isAlive()).as("the feed's reading thread").isFalse();
                    }
                }
            }
        }
    }

    private static String serveOneEventThenWait(ServerSocket server) {
        try (Socket s = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String line = in.readLine();
            while (line != null && !line.isEmpty()) {
                line = in.readLine();
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    + "Api-Version: 1.41\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            chunk(out, EVENT);
            s.setSoTimeout((int) HOLD.toMillis());
            try {
                return in.read() == -1 ? "the client closed the connection" : "the client sent more";
            } catch (SocketTimeoutException stillThere) {
                // the client is still reading: end the response as the engine does at "until"
                chunk(out, EVENT.replace("\"die\"", "\"destroy\""));
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return "the client kept reading for " + HOLD.toSeconds() + "s, until the engine ended the response";
            } catch (SocketException reset) {
                return "the client closed the connection";
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        // one write: a client that has its event can leave before a separate trailing CRLF is written, and the write
        // then fails with a reset (a race of this stand-in, not of the engine, which writes each chunk whole)
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        whole.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        whole.write(b);
        whole.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(whole.toByteArray());
        out.flush();
    }
}
