package dev.baton.nomad;

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
import dev.baton.model.CheckTiming;
import dev.baton.model.GroupSpec;
import dev.baton.model.HealthCheck;
import dev.baton.model.JobSpec;
import dev.baton.model.PortSpec;
import dev.baton.model.ServiceSpec;
import dev.baton.model.TaskSpec;
import dev.baton.model.UpdatePolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Nomad: the adapter's {@link NomadDouble} (WireMock), Baton ({@code nomad://} at the double) against an OkHttp user
 * who registers the job Baton renders ({@code POST /v1/jobs}), follows the job's latest deployment with blocking
 * queries from the index the register answered until it is successful, and stops and purges the job
 * ({@code DELETE /v1/job/:id?purge=true}, as Baton's undeploy). Requests are counted from WireMock's request journal.
 */
public final class NomadSideBySide implements Platform {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final NomadDouble nomad;
    private final Orchestrator baton;
    private final OkHttpClient http;
    private final HttpUrl base;

    public NomadSideBySide() {
        nomad = new NomadDouble();
        baton = Orchestrators.connect(Target.parse("nomad://" + nomad.address()), OrchestratorConfig.builder().environment(Map.of())
                .requestTimeout(Duration.ofSeconds(10)).build());
        // a blocking query waits up to its wait parameter: the read timeout must be longer
        http = new OkHttpClient.Builder().readTimeout(TIMEOUT.plusSeconds(10)).build();
        base = HttpUrl.get("http://" + nomad.address());
    }

    /** The job both sides deploy: the contract suite's healthy service (two instances, an HTTP check, one service). */
    static JobSpec spec(String name) {
        TaskSpec server = TaskSpec.builder("server").image("localhost/baton-test:1").env("GENERATION", "1")
                .port(PortSpec.dynamic("http"))
                .health(new HealthCheck.Http("http", "/healthz", new CheckTiming(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, null)))
                .build();
        return JobSpec.builder(name).group(GroupSpec.builder("web").count(2).task(server).service(ServiceSpec.internal(name, "http")).build())
                .update(UpdatePolicy.rolling().withParallelism(1)).build();
    }

    @Override
    public List<Comparison> comparisons() {
        Journal journal = new Journal(nomad.server);
        Laps batonLaps = new Laps();
        Laps nativeLaps = new Laps();
        return List.of(new Comparison("Nomad (double): deploy + await + undeploy",
                Side.batonCycle(baton, round -> spec("bench-b-" + round), TIMEOUT, journal, batonLaps),
                new Side(round -> {
                    String body = baton.render(spec("bench-n-" + round)).content();
                    String id = JSON.readTree(body).path("Job").path("ID").asText();
                    return () -> {
                        nativeLaps.start();
                        long index = send("POST", base.newBuilder().addPathSegments("v1/jobs").build(), body).body().path("JobModifyIndex").asLong();
                        nativeLaps.lap("register");
                        awaitSuccessful(id, index);
                        nativeLaps.lap("blocking queries");
                        send("DELETE", base.newBuilder().addPathSegments("v1/job").addPathSegment(id).addQueryParameter("purge", "true").build(), null);
                        nativeLaps.lap("delete");
                    };
                }, journal, nativeLaps),
                null));
    }

    /** Blocking queries on the job's latest deployment, each from the index the one before answered, until it succeeded. */
    private void awaitSuccessful(String id, long index) throws IOException {
        long until = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < until) {
            Answer a = send("GET", base.newBuilder().addPathSegments("v1/job").addPathSegment(id).addPathSegment("deployment")
                    .addQueryParameter("index", Long.toString(index)).addQueryParameter("wait", TIMEOUT.toSeconds() + "s").build(), null);
            index = a.index();
            String status = a.body().path("Status").asText("");
            if (status.equals("successful")) {
                return;
            }
            if (status.equals("failed") || status.equals("cancelled")) {
                throw new IllegalStateException(id + ": deployment " + status + ": " + a.body().path("StatusDescription").asText());
            }
        }
        throw new IllegalStateException(id + ": no successful deployment after " + TIMEOUT);
    }

    private record Answer(JsonNode body, long index) {
    }

    private Answer send(String method, HttpUrl url, String body) throws IOException {
        Request.Builder r = new Request.Builder().url(url).method(method, body == null ? null : RequestBody.create(body, JSON_TYPE));
        try (Response response = http.newCall(r.build()).execute()) {
            String text = response.body().string();
            if (!response.isSuccessful()) {
                throw new IOException(method + " " + url + ": " + response.code() + " " + text);
            }
            String index = response.header("X-Nomad-Index");
            return new Answer(text.isEmpty() ? JSON.nullNode() : JSON.readTree(text), index == null ? 0 : Long.parseLong(index));
        }
    }

    @Override
    public void close() {
        baton.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        nomad.shutdown();
    }
}
