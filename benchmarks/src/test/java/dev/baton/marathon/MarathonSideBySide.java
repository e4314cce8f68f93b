package dev.baton.marathon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.Orchestrator;
import dev.baton.OrchestratorConfig;
import dev.baton.Orchestrators;
import dev.baton.Target;
import dev.baton.benchmarks.sidebyside.Comparison;
import dev.baton.benchmarks.sidebyside.Journal;
import dev.baton.benchmarks.sidebyside.Laps;
import dev.baton.benchmarks.sidebyside.Platform;
import dev.baton.benchmarks.sidebyside.Side;
import dev.baton.model.JobSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

/**
 * Marathon: the adapter's {@link MarathonDouble} (WireMock, with Marathon's event stream beside it), Baton
 * ({@code marathon://} at the double) against an OkHttp user who opens the event stream for
 * {@code deployment_success} and {@code deployment_failed}, creates the app Baton renders ({@code PUT /v2/apps/:id}: the
 * double, like Marathon, creates an app with {@code PUT}; it serves no {@code POST /v2/apps}), reads the stream until
 * the deployment the PUT answered succeeded, closes it, and deletes the app ({@code DELETE /v2/apps/:id}). Requests are
 * WireMock's request journal plus the event-stream requests the double's servlet received.
 */
public final class MarathonSideBySide implements Platform {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final MarathonDouble marathon;
    private final Orchestrator baton;
    private final OkHttpClient http;
    private final HttpUrl base;
    private final Laps nativeLaps = new Laps();

    public MarathonSideBySide() {
        marathon = new MarathonDouble();
        baton = Orchestrators.connect(Target.parse("marathon://" + marathon.address()),
                OrchestratorConfig.builder().environment(Map.of()).requestTimeout(Duration.ofSeconds(10)).build());
        http = new OkHttpClient.Builder().readTimeout(TIMEOUT).build();
        base = HttpUrl.get("http://" + marathon.address());
    }

    /** The job both sides deploy: the contract suite's healthy service as an app (two instances, an HTTP check, one service). */
    static JobSpec spec(String name) {
        return new MarathonWorkloads(false).healthyService(name, 2, 1);
    }

    @Override
    public List<Comparison> comparisons() {
        Journal journal = new Journal(marathon.server);
        Laps batonLaps = new Laps();
        Side.RequestCount counted = new Side.RequestCount() {
            private int streams;

            @Override
            public void reset() throws Exception {
                journal.reset();
                streams = marathon.eventRequests.size();
            }

            @Override
            public int count() throws Exception {
                return journal.count() + marathon.eventRequests.size() - streams;
            }
        };
        return List.of(new Comparison("Marathon (double): deploy + await + undeploy",
                Side.batonCycle(baton, round -> spec("bench-b-" + round), TIMEOUT, counted, batonLaps),
                new Side(round -> {
                    String app = baton.render(spec("bench-n-" + round)).content();
                    String id = JSON.readTree(app).path("id").asText();
                    return () -> deployAwaitDelete(id, app);
                }, counted, nativeLaps),
                null));
    }

    private void deployAwaitDelete(String id, String app) throws IOException {
        Call events = http.newCall(new Request.Builder().url(base.newBuilder().addPathSegments("v2/events")
                .addQueryParameter("event_type", "deployment_success").addQueryParameter("event_type", "deployment_failed").build())
                .header("Accept", "text/event-stream").build());
        nativeLaps.start();
        Response stream = events.execute();
        try {
            if (!stream.isSuccessful()) {
                throw new IOException("GET /v2/events: " + stream.code());
            }
            String deployment = send("PUT", base.newBuilder().addPathSegments("v2/apps").addPathSegments(id.substring(1)).build(), app)
                    .path("deploymentId").asText();
            nativeLaps.lap("stream + PUT");
            BufferedSource source = stream.body().source();
            String type = null;
            for (String line; (line = source.readUtf8Line()) != null; ) {
                if (line.startsWith("event:")) {
                    type = line.substring("event:".length()).trim();
                } else if (line.startsWith("data:") && JSON.readTree(line.substring("data:".length())).path("id").asText().equals(deployment)) {
                    if ("deployment_success".equals(type)) {
                        break;
                    }
                    throw new IllegalStateException(id + ": " + type);
                }
            }
        } finally {
            // the stream never ends: abort it, then close (a close alone would first try to read on)
            events.cancel();
            stream.close();
        }
        nativeLaps.lap("events");
        send("DELETE", base.newBuilder().addPathSegments("v2/apps").addPathSegments(id.substring(1)).build(), null);
        nativeLaps.lap("delete");
    }

    private JsonNode send(String method, HttpUrl url, String body) throws IOException {
        Request.Builder r = new Request.Builder().url(url).method(method, body == null ? null : RequestBody.create(body, JSON_TYPE));
        try (Response response = http.newCall(r.build()).execute()) {
            String text = response.body().string();
            if (!response.isSuccessful()) {
                throw new IOException(method + " " + url + ": " + response.code() + " " + text);
            }
            return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
        }
    }

    @Override
    public void close() {
        baton.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        marathon.shutdown();
    }
}
